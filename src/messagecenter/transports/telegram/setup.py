"""The only writer of Telegram connections: connect (a bot token), change the token,
disconnect. Each change is audited without secrets.

Connecting asks Telegram who the bot is (``getMe``), then registers our webhook for the new
connection (``setWebhook`` with the public URL from ``MC_PUBLIC_URL`` and a random
``secret_token``, for message and edited-message updates). Nothing is kept when either step
fails, and the administrator reads Telegram's reason. The token and the secret are stored
encrypted only (``credentials``); they are never rendered, returned or logged.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.transports.telegram import api, config
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message"]


@dataclass(frozen=True)
class Bot:
    id: int
    username: str
    name: str


def check_token(token: str) -> Bot:
    """Who the token's bot is (``getMe``); ``ValidationFailed`` on ``token`` with a reason an
    administrator can act on."""
    token = (token or "").strip()
    if not api.looks_like_token(token):
        raise ValidationFailed(
            _("This is not a bot token. @BotFather gives it as 123456789:AA…"), field="token"
        )
    try:
        me = api.BotApi(token).call("getMe")
    except api.ApiError as error:
        raise ValidationFailed(_token_problem(error), field="token") from None
    if not isinstance(me, dict) or not isinstance(me.get("id"), int) or not me.get("is_bot"):
        raise ValidationFailed(_("Telegram's answer names no bot."), field="token")
    return Bot(me["id"], str(me.get("username") or ""), str(me.get("first_name") or ""))


def connect(widget: Widget, token: str, *, actor: Actor) -> ChannelConnection:
    _admin(actor, widget.account_id)
    token = (token or "").strip()
    bot = check_token(token)
    _not_connected_elsewhere(bot)
    with transaction.atomic():
        connection = ChannelConnection.objects.create(
            account_id=widget.account_id,
            widget=widget,
            kind=TransportKind.TELEGRAM,
            name=bot.name[:100] or bot.username[:100],
            config=_config(bot),
            credentials={"bot_token": token, "webhook_secret": _new_secret()},
        )
    try:
        _set_webhook(connection)
    except ValidationFailed:
        connection.delete()
        raise
    audit.record(
        actor, "channel.created", "channel", connection.public_id, kind="telegram",
        widget=widget.public_id, bot=bot.username,
    )  # fmt: skip
    return connection


def change_token(connection: ChannelConnection, token: str, *, actor: Actor) -> ChannelConnection:
    """A new token (after ``/revoke`` in @BotFather): the webhook is registered again with a
    new secret."""
    _own(connection, actor)
    token = (token or "").strip()
    bot = check_token(token)
    _not_connected_elsewhere(bot, connection)
    previous = dict(connection.credentials or {}), dict(connection.config or {})
    connection.credentials = {"bot_token": token, "webhook_secret": _new_secret()}
    connection.config = _config(bot)
    try:
        _set_webhook(connection)
    except ValidationFailed:
        connection.credentials, connection.config = previous
        raise
    with transaction.atomic():
        connection.save(update_fields=["credentials", "config"])
        audit.record(actor, "channel.updated", "channel", connection.public_id, fields=["token"])
    return connection


def disconnect(connection: ChannelConnection, *, actor: Actor) -> str:
    """No more updates (``deleteWebhook``) and no new deliveries; the conversations stay.
    Answers Telegram's reason when it could not be told (the channel is disconnected here
    all the same: an update that still arrives finds no channel)."""
    _own(connection, actor)
    problem = ""
    try:
        config.api(connection).call("deleteWebhook")
    except api.ApiError as error:
        problem = error.reason
        log.info("telegram %s: deleteWebhook failed (%s)", connection.public_id, error.reason)
    with transaction.atomic():
        ChannelConnection.objects.filter(pk=connection.pk).update(is_active=False)
        audit.record(
            actor, "channel.disconnected", "channel", connection.public_id, kind="telegram"
        )
    connection.is_active = False
    return problem


# --- helpers ---------------------------------------------------------------------------------


def _set_webhook(connection: ChannelConnection) -> None:
    try:
        config.api(connection).call(
            "setWebhook",
            url=config.webhook_url(connection),
            secret_token=config.webhook_secret(connection),
            allowed_updates=ALLOWED_UPDATES,
        )
    except api.ApiError as error:
        raise ValidationFailed(
            _("Telegram did not accept our webhook address %(url)s: %(reason)s")
            % {"url": config.webhook_url(connection), "reason": error.reason},
            field="token",
        ) from None


def _token_problem(error: api.ApiError) -> str:
    if error.status in (401, 404):
        return _("Telegram does not know this token. Copy it again from @BotFather.")
    if error.status == 0:
        return error.reason
    return _("Telegram refused the token: %(reason)s") % {"reason": error.reason}


def _not_connected_elsewhere(bot: Bot, connection: ChannelConnection | None = None) -> None:
    """A bot has one webhook: connecting it twice would take the updates from the first."""
    others = ChannelConnection.objects.filter(
        kind=TransportKind.TELEGRAM, is_active=True, config__bot_id=bot.id
    )
    if connection is not None:
        others = others.exclude(pk=connection.pk)
    if others.exists():
        raise ValidationFailed(
            _("The bot @%(bot)s is connected already. Disconnect it there first.")
            % {"bot": bot.username},
            field="token",
        )


def _config(bot: Bot) -> dict:
    return {"bot_id": bot.id, "username": bot.username, "name": bot.name}


def _new_secret() -> str:
    # Telegram's secret_token: 1-256 characters of A-Z a-z 0-9 _ -.
    return secrets.token_urlsafe(48)


def _admin(actor: Actor, account_id: int) -> None:
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can change channels."))
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))


def _own(connection: ChannelConnection, actor: Actor) -> None:
    _admin(actor, connection.account_id)
    if connection.kind != TransportKind.TELEGRAM:
        raise NotFound(_("Not found."))
