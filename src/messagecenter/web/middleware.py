"""The operator's profile picks the UI language and time zone (R-NAV-2)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


class OperatorLanguageMiddleware:
    """Activate the logged-in operator's language, else the browser's, else the default.

    Runs before AuthenticationMiddleware resolves ``request.user`` lazily, so it reads the
    user on demand; anonymous pages (login, password reset) follow Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        if language is None:
            language = translation.get_language_from_request(request)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class OperatorTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
