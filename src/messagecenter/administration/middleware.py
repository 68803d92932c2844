"""Two-factor sign-in required by the account: an operator without a second factor reaches
only the pages that set one up (and signing out), so right after signing in they are sent to
set it up; none can switch theirs off while the rule is on."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from messagecenter.administration.profile import joined_profile
from messagecenter.administration.security import must_set_up_two_factor
from messagecenter.web.access import forbidden

# Pages an operator without a second factor may still open.
ALLOWED = {
    "totp_setup",
    "recovery_codes",
    "security",
    "logout",
    "login",
    "login_code",
    "javascript-catalog",
    "set_language",
    "healthz",
    "readyz",
}


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith("/api/"):
            return None
        profile = joined_profile(user.account)
        if not profile.require_two_factor:
            return None
        name = getattr(request.resolver_match, "url_name", "")
        if name == "totp_disable" and user.totp_enabled:
            reason = _("Your account requires two-factor sign-in: it cannot be switched off.")
            return forbidden(request, reason)
        if name in ALLOWED or not must_set_up_two_factor(user, profile):
            return None
        return _to_setup(request)


def _to_setup(request) -> HttpResponse:
    url = reverse("totp_setup")
    if getattr(request, "htmx", False):
        answer = HttpResponse(status=204)
        answer["HX-Redirect"] = url
        return answer
    return redirect(url)
