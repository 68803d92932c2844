"""The shell around every app page: the Online/Away switch, mute all, the Away hint, and the
honest pages of features that come later."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from messagecenter.accounts import services as accounts
from messagecenter.conversations import presence
from messagecenter.web.access import actor
from messagecenter.web.views.respond import perform, wants_json

AWAY_HINT_COOKIE = "mc_away_hint"
AWAY_HINT_MAX_AGE = 5 * 365 * 24 * 3600


@login_required
@require_POST
def set_presence(request):
    """The Online/Away switch (R-OP-1): Away releases LIVE slots, Online drains the backlog."""
    value = request.POST.get("presence", "")
    return perform(
        request,
        lambda: presence.set_operator_presence(request.user, value, actor=actor(request)),
        back=_back(request),
        payload=lambda op: {"presence": op.presence, "max_slots": op.max_slots},
    )


@login_required
@require_POST
def set_mute(request):
    """Mute all audio and browser notifications (personal menu, R-OP-4)."""
    muted = request.POST.get("mute") == "on"
    return perform(
        request,
        lambda: accounts.update_profile(request.user, actor=actor(request), mute_all=muted),
        back=_back(request),
        payload=lambda op: {"mute_all": op.mute_all},
    )


@login_required
@require_POST
def dismiss_away_hint(request):
    """The first-visit recommendation about Away was read. Remembered by this browser: it is
    a hint about the UI, not an account setting."""
    response = HttpResponse(status=204) if wants_json(request) else redirect(_back(request))
    response.set_cookie(
        AWAY_HINT_COOKIE, "dismissed", max_age=AWAY_HINT_MAX_AGE, samesite="Lax", httponly=True
    )
    return response


def _back(request) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else reverse("home")


# Navigation entries whose feature comes in a later release: an honest page, not a fake.
COMING = {
    "campaigns": (
        _("WhatsApp campaigns"),
        "megaphone",
        _("Send approved WhatsApp templates to groups of contacts and follow the replies."),
    ),
}


@login_required
def coming(request, feature: str):
    if feature not in COMING:
        raise Http404
    title, icon, text = COMING[feature]
    context = {"section": feature, "title": title, "icon": icon, "text": text}
    return render(request, "web/coming.html", context)
