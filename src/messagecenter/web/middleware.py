"""The operator's profile picks the UI language and time zone (R-NAV-2)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import auth
from django.utils import timezone, translation

from messagecenter.accounts.models import Operator


class OperatorLanguageMiddleware:
    """Activate the logged-in operator's language, else the browser's, else the default.

    Anonymous pages (login, password reset) follow the language cookie set by the language
    switch, else Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = _operator_language(request) or translation.get_language_from_request(request)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def _operator_language(request) -> str | None:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None  # no session: no session lookup, and no "Vary: Cookie" on public files
    user = getattr(request, "user", None)
    if user is None:
        # Settings place this middleware before AuthenticationMiddleware, so ``request.user``
        # does not exist yet: load the session's operator here and leave it where
        # AuthenticationMiddleware looks first (``_cached_user``), so it is loaded only once.
        user = auth.get_user(request)
        request._cached_user = user
    return user.language if isinstance(user, Operator) else None


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
