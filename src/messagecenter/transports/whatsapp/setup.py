"""The only writer of WhatsApp connections: connect, change the access token or app secret,
disconnect. Each change is audited without secrets.

Connecting asks the Graph API for the phone number (``GET /<phone number id>``: it must
exist and the token must see it), then subscribes our Meta app to the business account's
webhooks (``POST /<WABA id>/subscribed_apps``). Nothing is kept when either step fails, and
the administrator reads Meta's reason. The webhook address itself is set in the Meta app's
dashboard (Meta verifies it with our ``verify_token``, generated here and shown on the page).
Token, app secret and verify token are stored encrypted only (``credentials``); the token and
the app secret are never rendered, returned or logged.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.transports.whatsapp import api, config
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

log = logging.getLogger(__name__)

GRAPH_ID = re.compile(r"^[0-9]{5,25}$")
FIELDS = "display_phone_number,verified_name,quality_rating"


@dataclass(frozen=True)
class Number:
    id: str
    display_phone_number: str
    verified_name: str
    quality_rating: str = ""


def check(phone_number_id: str, token: str) -> Number:
    """The phone number the token may send from; ``ValidationFailed`` with a reason an
    administrator can act on."""
    phone_number_id, token = (phone_number_id or "").strip(), (token or "").strip()
    if not GRAPH_ID.match(phone_number_id):
        raise ValidationFailed(
            _("The phone number ID is a long number from WhatsApp › API Setup in your Meta app."),
            field="phone_number_id",
        )
    if len(token) < 20 or any(ch.isspace() for ch in token):
        raise ValidationFailed(_("This is not an access token."), field="access_token")
    try:
        found = api.GraphApi(token).get(phone_number_id, fields=FIELDS)
    except api.ApiError as error:
        raise _problem(error) from None
    return Number(
        str(found.get("id") or phone_number_id),
        str(found.get("display_phone_number") or ""),
        str(found.get("verified_name") or ""),
        str(found.get("quality_rating") or ""),
    )


def connect(
    widget: Widget,
    *,
    phone_number_id: str,
    waba_id: str,
    access_token: str,
    app_secret: str,
    actor: Actor,
) -> ChannelConnection:
    _admin(actor, widget.account_id)
    waba_id, app_secret = (waba_id or "").strip(), (app_secret or "").strip()
    _check_waba(waba_id)
    _check_secret(app_secret)
    number = check(phone_number_id, access_token)
    _not_connected_elsewhere(number)
    with transaction.atomic():
        connection = ChannelConnection.objects.create(
            account_id=widget.account_id,
            widget=widget,
            kind=TransportKind.WHATSAPP,
            name=(number.verified_name or number.display_phone_number)[:100],
            config=_config(number, waba_id),
            credentials={
                "access_token": access_token.strip(),
                "app_secret": app_secret,
                "verify_token": secrets.token_urlsafe(24),
            },
        )
    try:
        _subscribe(connection)
    except ValidationFailed:
        connection.delete()
        raise
    audit.record(
        actor, "channel.created", "channel", connection.public_id, kind="whatsapp",
        widget=widget.public_id, number=number.display_phone_number,
    )  # fmt: skip
    # The business account's templates, for the composer and the profile (a job).
    from messagecenter.transports.whatsapp import templates

    templates.request_sync(connection)
    return connection


def change_credentials(
    connection: ChannelConnection, *, access_token: str = "", app_secret: str = "", actor: Actor
) -> ChannelConnection:
    """A new access token (checked against the number) and/or app secret; an empty one keeps
    the stored one."""
    _own(connection, actor)
    access_token, app_secret = (access_token or "").strip(), (app_secret or "").strip()
    credentials = dict(connection.credentials or {})
    changed = []
    if access_token:
        number = check(config.phone_number_id(connection), access_token)
        credentials["access_token"] = access_token
        connection.config = _config(number, config.waba_id(connection))
        changed.append("access_token")
    if app_secret:
        _check_secret(app_secret)
        credentials["app_secret"] = app_secret
        changed.append("app_secret")
    if not changed:
        raise ValidationFailed(_("Enter a new access token or app secret."), field="access_token")
    connection.credentials = credentials
    with transaction.atomic():
        connection.save(update_fields=["credentials", "config"])
        audit.record(actor, "channel.updated", "channel", connection.public_id, fields=changed)
    return connection


def disconnect(connection: ChannelConnection, *, actor: Actor) -> str:
    """No more webhooks and no new deliveries; the conversations stay. The app is
    unsubscribed from the business account unless another connection still uses it. Answers
    Meta's reason when it could not be told (the channel is disconnected here all the same:
    a webhook that still arrives finds no channel)."""
    _own(connection, actor)
    problem = ""
    if not _waba_shared(connection):
        try:
            config.api(connection).delete(f"{config.waba_id(connection)}/subscribed_apps")
        except api.ApiError as error:
            problem = error.reason
            log.info("whatsapp %s: unsubscribing failed (%s)", connection.public_id, error.reason)
    with transaction.atomic():
        ChannelConnection.objects.filter(pk=connection.pk).update(is_active=False)
        audit.record(
            actor, "channel.disconnected", "channel", connection.public_id, kind="whatsapp"
        )
    connection.is_active = False
    return problem


# --- helpers ---------------------------------------------------------------------------------


def _subscribe(connection: ChannelConnection) -> None:
    try:
        config.api(connection).post(f"{config.waba_id(connection)}/subscribed_apps")
    except api.ApiError as error:
        raise ValidationFailed(
            _("WhatsApp did not subscribe our app to the business account: %(reason)s")
            % {"reason": error.reason},
            field="waba_id",
        ) from None


def _problem(error: api.ApiError) -> ValidationFailed:
    if error.code in api.TOKEN_CODES or error.status == 401:
        return ValidationFailed(
            _("WhatsApp does not accept this access token. Create a new one for the system user."),
            field="access_token",
        )
    if error.code == 100:
        return ValidationFailed(
            _("This access token cannot use the phone number ID. Check both in your Meta app."),
            field="phone_number_id",
        )
    if error.status == 0:
        return ValidationFailed(error.reason, field="access_token")
    return ValidationFailed(
        _("WhatsApp refused: %(reason)s") % {"reason": error.reason}, field="access_token"
    )


def _check_waba(waba_id: str) -> None:
    if not GRAPH_ID.match(waba_id):
        raise ValidationFailed(
            _("The WhatsApp Business Account ID is a long number from WhatsApp › API Setup."),
            field="waba_id",
        )


def _check_secret(app_secret: str) -> None:
    # Meta shows the app secret as 32 hexadecimal characters (App settings › Basic).
    if not re.fullmatch(r"[0-9a-fA-F]{32}", app_secret or ""):
        raise ValidationFailed(
            _("The app secret has 32 characters (0-9, a-f): App settings › Basic of the Meta app."),
            field="app_secret",
        )


def _not_connected_elsewhere(number: Number) -> None:
    """One phone number, one connection: webhooks name the number, not our connection."""
    if ChannelConnection.objects.filter(
        kind=TransportKind.WHATSAPP, is_active=True, config__phone_number_id=number.id
    ).exists():
        raise ValidationFailed(
            _("The number %(number)s is connected already. Disconnect it there first.")
            % {"number": number.display_phone_number or number.id},
            field="phone_number_id",
        )


def _waba_shared(connection: ChannelConnection) -> bool:
    return (
        ChannelConnection.objects.filter(
            kind=TransportKind.WHATSAPP, is_active=True, config__waba_id=config.waba_id(connection)
        )
        .exclude(pk=connection.pk)
        .exists()
    )


def _config(number: Number, waba_id: str) -> dict:
    return {"phone_number_id": number.id, "waba_id": waba_id,
            "display_phone_number": number.display_phone_number,
            "verified_name": number.verified_name}  # fmt: skip


def _admin(actor: Actor, account_id: int) -> None:
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can change channels."))
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))


def _own(connection: ChannelConnection, actor: Actor) -> None:
    _admin(actor, connection.account_id)
    if connection.kind != TransportKind.WHATSAPP:
        raise NotFound(_("Not found."))
