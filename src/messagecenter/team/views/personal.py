"""Personal settings (R-OP-4): profile, chat slots, sounds, inactivity alarm, notifications.

Also the endpoint of the personal runtime (``static/team/js/personal.js``, loaded on every app
page): the preferences it needs, as JSON. "Mute all" in the personal menu belongs to the shell.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from messagecenter.accounts import preferences as prefs
from messagecenter.accounts.models import Operator
from messagecenter.accounts.services import set_max_slots, update_profile
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.errors import ValidationFailed
from messagecenter.team.forms import AlertsForm, ProfileForm, apply_error
from messagecenter.team.links import PLACEHOLDER, url_template
from messagecenter.web.access import actor, operator_page

# How many of my active conversations the runtime tracks from the start; later ones arrive as
# events. Far above any operator's real workload.
TRACKED_CONVERSATIONS = 500


@operator_page
def personal_settings(request):
    me = request.user
    can_set_slots = me.account.operators_set_own_slots
    profile = ProfileForm(initial=_profile_initial(me), can_set_slots=can_set_slots)
    alerts = AlertsForm(initial=AlertsForm.initial_for(me.mute_all, me.preferences))
    if request.method == "POST" and request.POST.get("form") == "profile":
        profile = ProfileForm(request.POST, can_set_slots=can_set_slots)
        if profile.is_valid() and _save_profile(request, profile):
            with translation.override(me.language):  # say it in the language just chosen
                messages.success(request, _("Your profile has been saved."))
            return redirect("personal_settings")
    elif request.method == "POST" and request.POST.get("form") == "alerts":
        alerts = AlertsForm(request.POST)
        if alerts.is_valid() and _save_alerts(request, alerts):
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("personal_settings")
    context = {
        "profile_form": profile,
        "alerts_form": alerts,
        "can_set_slots": can_set_slots,
        "section": "personal_settings",
    }
    status = 400 if profile.errors or alerts.errors else 200
    return render(request, "team/personal_settings.html", context, status=status)


@operator_page
@never_cache
def preferences_json(request):
    """What the personal runtime needs: my preferences, my groups and colleagues (to tell my
    conversations from my groups'), my active conversations (for the inactivity alarm) and
    its strings in my language."""
    me = request.user
    return JsonResponse(
        {
            "me": me.public_id,
            "mute_all": me.mute_all,
            "preferences": prefs.effective(me.preferences),
            "groups": list(me.groups.values_list("public_id", flat=True)),
            "colleagues": _colleagues(me),
            "conversations": _my_active_conversations(me),
            "urls": {
                "conversation": url_template(),
                "placeholder": PLACEHOLDER,
                "socket": "/ws/operator",
            },
            "strings": _runtime_strings(),
        }
    )


def _profile_initial(me: Operator) -> dict:
    return {
        "name": me.name,
        "language": me.language,
        "time_zone": me.time_zone,
        "max_slots": me.max_slots,
    }


def _save_profile(request, form: ProfileForm) -> bool:
    me, data = request.user, form.cleaned_data
    try:
        # Two services behind one Save button: all or nothing, so a refused slot count does
        # not leave a half-saved profile behind.
        with transaction.atomic():
            update_profile(
                me,
                actor=actor(request),
                name=data["name"],
                language=data["language"],
                time_zone=data["time_zone"],
            )
            if "max_slots" in data and data["max_slots"] != me.max_slots:
                set_max_slots(me, data["max_slots"], actor=actor(request))
    except ValidationFailed as error:
        me.refresh_from_db()
        apply_error(form, error)
        return False
    return True


def _save_alerts(request, form: AlertsForm) -> bool:
    try:
        cleaned = prefs.clean(form.to_preferences())
        update_profile(
            request.user,
            actor=actor(request),
            mute_all=form.cleaned_data["mute_all"],
            preferences=cleaned,
        )
    except ValidationFailed as error:
        apply_error(form, error)
        return False
    return True


def _colleagues(me: Operator) -> list[str]:
    """Operators sharing a group with me: their conversations are my groups' conversations."""
    shared = Operator.objects.filter(account_id=me.account_id, groups__members=me, is_active=True)
    return sorted(set(shared.exclude(pk=me.pk).values_list("public_id", flat=True)))


def _my_active_conversations(me: Operator) -> list[dict]:
    rows = (
        Conversation.objects.filter(
            account_id=me.account_id,
            assigned_operator=me,
            status__in=(Status.NEW, Status.OPEN, Status.WAITING),
        )
        .order_by("-last_activity_at")
        .values("public_id", "status", "waiting_since", "assigned_group__public_id")
    )
    return [
        {
            "id": row["public_id"],
            "status": row["status"],
            "assigned_operator": me.public_id,
            "assigned_group": row["assigned_group__public_id"],
            "waiting_since": row["waiting_since"].isoformat() if row["waiting_since"] else None,
        }
        for row in rows[:TRACKED_CONVERSATIONS]
    ]


def _runtime_strings() -> dict[str, str]:
    return {
        "new_conversation": _("New conversation"),
        "new_message": _("New message"),
        "assigned": _("A conversation was assigned to you"),
        "team_assigned": _("A conversation was assigned to a colleague"),
        "mention": _("You were mentioned in a note"),
        "waiting": _("A contact is waiting for your reply"),
        "prompt_title": _("Get notified about new conversations"),
        "prompt": _(
            "Allow browser notifications to hear about new conversations, messages and mentions "
            "while the Message Center is in the background. You choose which ones in My settings."
        ),
        "enable": _("Turn on notifications"),
        "later": _("Not now"),
        "close": _("Close"),
    }
