"""Settings › Custom channels: create (name, icon, webhook URL, capabilities), edit, rotate a
secret, retire the previous one, deactivate, and the delivery log. Administrators only,
inside their account; every change goes through ``transports.custom.setup``.

Secrets are shown once, in the answer to the POST that made them (creation, rotation), and
never stored anywhere but encrypted in the connection: no session, no redirect carrying them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.conversations.models import DeliveryAttempt
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import apply_error
from messagecenter.transports.custom import config, setup
from messagecenter.transports.custom.forms import CustomChannelForm
from messagecenter.transports.custom.setup import Secrets
from messagecenter.web.access import actor, admin_page
from messagecenter.widgets.models import ChannelConnection, TransportKind

LOG_SIZE = 50
_PAGE = {"tab": "channels", "section": "settings"}


def inbound_url(connection: ChannelConnection) -> str:
    return f"{settings.PUBLIC_URL}/api/v1/channels/{connection.public_id}/messages"


def _channels(account):
    return ChannelConnection.objects.for_account(account).filter(kind=TransportKind.CUSTOM)


def _channel(request, public_id: str) -> ChannelConnection:
    query = _channels(request.user.account).select_related("widget")
    return get_scoped(query, request.user.account, public_id)


@admin_page
def channel_list(request):
    channels = _channels(request.user.account).select_related("widget").order_by("name")
    rows = [(channel, config.icon(channel)) for channel in channels]
    return render(request, "team/settings/custom_channels.html", {"rows": rows, **_PAGE})


@admin_page
def channel_new(request):
    account = request.user.account
    # "Add a channel" on Settings › Channels names the widget it was clicked for.
    initial = {**CustomChannelForm.initial_for(None), "widget": request.GET.get("widget")}
    form = CustomChannelForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            connection, secrets = setup.create(
                form.cleaned_data["widget"], **form.to_arguments(), actor=actor(request)
            )
        except ValidationFailed as error:
            apply_error(form, error, CustomChannelForm.ERROR_FIELDS)
        else:
            return _secrets_page(request, connection, secrets, created=True)
    status = 400 if form.errors else 200
    context = {"form": form, **_PAGE}
    return render(request, "team/settings/custom_channel_new.html", context, status=status)


@admin_page
def channel_edit(request, public_id: str):
    connection = _channel(request, public_id)
    form = CustomChannelForm(
        request.POST or None,
        account=request.user.account,
        editing=True,
        initial=CustomChannelForm.initial_for(connection),
    )
    if request.method == "POST" and form.is_valid():
        try:
            setup.update(connection, **form.to_arguments(), actor=actor(request))
        except ValidationFailed as error:
            connection.refresh_from_db()
            apply_error(form, error, CustomChannelForm.ERROR_FIELDS)
        else:
            messages.success(request, _("The channel settings have been saved."))
            return redirect("settings_custom_channel", public_id=connection.public_id)
    context = {
        "form": form,
        "channel": connection,
        "icon": config.icon(connection),
        "inbound_url": inbound_url(connection),
        "pending": {d: setup.rotation_pending(connection, d) for d in setup.DIRECTIONS},
        **_PAGE,
    }
    status = 400 if form.errors else 200
    return render(request, "team/settings/custom_channel_edit.html", context, status=status)


@admin_page
@require_POST
def channel_rotate(request, public_id: str):
    connection = _channel(request, public_id)
    direction = request.POST.get("direction", "")
    if direction not in setup.DIRECTIONS:
        messages.error(request, _("Choose which secret to rotate."))
        return redirect("settings_custom_channel", public_id=connection.public_id)
    secrets = setup.rotate_secret(connection, direction, actor=actor(request))
    return _secrets_page(request, connection, secrets, created=False)


@admin_page
@require_POST
def channel_retire(request, public_id: str):
    connection = _channel(request, public_id)
    direction = request.POST.get("direction", "")
    if direction in setup.DIRECTIONS:
        setup.retire_previous(connection, direction, actor=actor(request))
        messages.success(request, _("Only the new secret is valid now."))
    return redirect("settings_custom_channel", public_id=connection.public_id)


@admin_page
@require_POST
def channel_deactivate(request, public_id: str):
    connection = _channel(request, public_id)
    setup.deactivate(connection, actor=actor(request))
    messages.success(
        request,
        _("%(name)s is deactivated: it takes no messages and sends none.")
        % {"name": connection.name},
    )
    return redirect("settings_custom_channels")


@admin_page
def channel_log(request, public_id: str):
    """The last deliveries to this channel's webhook, newest first."""
    connection = _channel(request, public_id)
    attempts = (
        DeliveryAttempt.objects.filter(delivery__connection=connection)
        .select_related("delivery__message__conversation", "delivery__message__entry")
        .order_by("-started_at", "-pk")[:LOG_SIZE]
    )
    context = {
        "channel": connection,
        "icon": config.icon(connection),
        "rows": [_log_row(attempt) for attempt in attempts],
        "log_size": LOG_SIZE,
        **_PAGE,
    }
    return render(request, "team/settings/custom_channel_log.html", context)


def _log_row(attempt: DeliveryAttempt) -> dict:
    message = attempt.delivery.message
    duration = None
    if attempt.finished_at is not None:
        duration = round((attempt.finished_at - attempt.started_at).total_seconds() * 1000)
    status, _sep, excerpt = attempt.error.partition(": ")
    return {
        "at": attempt.started_at,
        "conversation": message.conversation.public_id,
        "seq": message.entry.seq,
        "number": attempt.number,
        "outcome": attempt.outcome,
        "outcome_label": attempt.get_outcome_display(),
        # The transport's reason is "HTTP 503: <the receiver's words>" (or a network error).
        "status": status.removeprefix("HTTP ") if status.startswith("HTTP ") else "",
        "error": attempt.error if not status.startswith("HTTP ") else excerpt,
        "duration_ms": duration,
    }


def _secrets_page(request, connection: ChannelConnection, secrets: Secrets, *, created: bool):
    context = {
        "channel": connection,
        "icon": config.icon(connection),
        "inbound_url": inbound_url(connection),
        "secrets": secrets,
        "created": created,
        **_PAGE,
    }
    response = render(request, "team/settings/custom_channel_secrets.html", context)
    response["Cache-Control"] = "no-store"
    return response
