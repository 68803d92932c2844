"""The only writer of custom channels: create, update, rotate a secret, retire the previous
one, deactivate. Each change is audited (without secrets); the webhook URL is checked by the
SSRF guard when it is saved, so a wrong URL is refused where it was typed, not at the first
delivery.

A new secret is returned to the caller exactly once (to show once); afterwards it lives only
encrypted in ``credentials``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.core import ssrf, webhooks
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.transports.base import MEDIA_KINDS, PRODUCT_MAX_FILE_BYTES
from messagecenter.transports.custom import config
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

DIRECTIONS = ("outbound", "inbound")
MAX_WINDOW_SECONDS = 365 * 86400


@dataclass(frozen=True)
class Secrets:
    """Shown once: after creation both, after a rotation the one rotated ("" for the other)."""

    outbound: str = ""
    inbound: str = ""


def create(
    widget: Widget,
    *,
    name: str,
    icon: str,
    webhook_url: str,
    capabilities: dict[str, Any] | None = None,
    actor: Actor,
) -> tuple[ChannelConnection, Secrets]:
    _admin(actor, widget.account_id)
    values = _config(name, icon, webhook_url, capabilities or {})
    secrets = Secrets(outbound=webhooks.new_secret(), inbound=webhooks.new_secret())
    with transaction.atomic():
        connection = ChannelConnection.objects.create(
            account_id=widget.account_id,
            widget=widget,
            kind=TransportKind.CUSTOM,
            name=values.pop("name"),
            config=values,
            credentials={"outbound": [secrets.outbound], "inbound": [secrets.inbound]},
        )
        audit.record(
            actor, "channel.created", "channel", connection.public_id, kind="custom",
            widget=widget.public_id,
        )  # fmt: skip
    return connection, secrets


def update(
    connection: ChannelConnection,
    *,
    name: str,
    icon: str,
    webhook_url: str,
    capabilities: dict[str, Any],
    actor: Actor,
) -> ChannelConnection:
    _own(connection, actor)
    values = _config(name, icon, webhook_url, capabilities)
    connection.name = values.pop("name")
    changed = sorted(k for k, v in values.items() if connection.config.get(k) != v)
    connection.config = values
    with transaction.atomic():
        connection.save(update_fields=["name", "config"])
        audit.record(actor, "channel.updated", "channel", connection.public_id, fields=changed)
    return connection


def rotate_secret(connection: ChannelConnection, direction: str, *, actor: Actor) -> Secrets:
    """A new secret for ``direction``; the previous one stays valid (outbound: we sign with
    both; inbound: either verifies) until ``retire_previous``, so nobody's side breaks
    between the two steps."""
    _own(connection, actor)
    if direction not in DIRECTIONS:
        raise ValidationFailed(_("Unknown secret."), field="direction")
    new = webhooks.new_secret()
    credentials = dict(connection.credentials or {})
    credentials[direction] = [new, *list(credentials.get(direction) or [])[:1]]
    with transaction.atomic():
        _save_credentials(connection, credentials)
        audit.record(
            actor, "channel.secret_rotated", "channel", connection.public_id, direction=direction
        )
    return Secrets(**{direction: new})


def retire_previous(connection: ChannelConnection, direction: str, *, actor: Actor) -> None:
    """End a rotation: only the newest secret of ``direction`` stays."""
    _own(connection, actor)
    if direction not in DIRECTIONS:
        raise ValidationFailed(_("Unknown secret."), field="direction")
    credentials = dict(connection.credentials or {})
    credentials[direction] = list(credentials.get(direction) or [])[:1]
    with transaction.atomic():
        _save_credentials(connection, credentials)
        audit.record(
            actor, "channel.secret_retired", "channel", connection.public_id, direction=direction
        )


def deactivate(connection: ChannelConnection, *, actor: Actor) -> None:
    """No more inbound messages (404) and no new deliveries; its conversations stay."""
    _own(connection, actor)
    with transaction.atomic():
        ChannelConnection.objects.filter(pk=connection.pk).update(is_active=False)
        audit.record(actor, "channel.deactivated", "channel", connection.public_id)
    connection.is_active = False


def rotation_pending(connection: ChannelConnection, direction: str) -> bool:
    return len((connection.credentials or {}).get(direction) or []) > 1


# --- checks ----------------------------------------------------------------------------------


def _admin(actor: Actor, account_id: int) -> None:
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can change channels."))
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))


def _own(connection: ChannelConnection, actor: Actor) -> None:
    _admin(actor, connection.account_id)
    if connection.kind != TransportKind.CUSTOM:
        raise NotFound(_("Not found."))


def _save_credentials(connection: ChannelConnection, credentials: dict) -> None:
    connection.credentials = credentials
    connection.save(update_fields=["credentials"])


def _config(name: str, icon: str, webhook_url: str, capabilities: dict[str, Any]) -> dict:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("A channel needs a name of at most 100 characters."), field="name")
    if icon not in config.ICONS:
        raise ValidationFailed(_("Choose one of the icons."), field="icon")
    try:
        url = str(ssrf.check_url((webhook_url or "").strip(), resolve=True))
    except ssrf.BlockedAddress as error:
        raise ValidationFailed(error.message, field="webhook_url", reason=error.reason) from None
    return {
        "name": name,
        "icon": icon,
        "webhook_url": url,
        "capabilities": _capabilities(capabilities),
    }


def _capabilities(given: dict[str, Any]) -> dict[str, Any]:
    values = config.DEFAULTS | {k: v for k, v in given.items() if k in config.DEFAULTS}
    length = values["max_text_length"]
    if not isinstance(length, int) or not 1 <= length <= config.MAX_TEXT_LENGTH:
        raise ValidationFailed(
            _("The text length must be between 1 and %(max)d characters.")
            % {"max": config.MAX_TEXT_LENGTH},
            field="max_text_length",
        )
    media = sorted(set(values["media_types"]))
    if not set(media) <= MEDIA_KINDS:
        raise ValidationFailed(_("Unknown media type."), field="media_types")
    size = values["max_file_bytes"]
    if size is not None and (not isinstance(size, int) or not 1 <= size <= PRODUCT_MAX_FILE_BYTES):
        raise ValidationFailed(_("The file size must be at most 100 MB."), field="max_file_bytes")
    kinds = sorted(set(values["identity_kinds"]))
    if not kinds or not set(kinds) <= set(config.IDENTITY_KINDS):
        raise ValidationFailed(
            _("Choose how the channel identifies people."), field="identity_kinds"
        )
    return {
        "max_text_length": length,
        "media_types": media,
        "max_file_bytes": size,
        "can_delete": bool(values["can_delete"]),
        "delete_window_seconds": _window(values, "delete"),
        "can_edit": bool(values["can_edit"]),
        "edit_window_seconds": _window(values, "edit"),
        "identity_kinds": kinds,
    }


def _window(values: dict[str, Any], what: str) -> int | None:
    seconds = values[f"{what}_window_seconds"]
    if not values[f"can_{what}"] or seconds in (None, 0):
        return None
    if not isinstance(seconds, int) or not 0 < seconds <= MAX_WINDOW_SECONDS:
        raise ValidationFailed(
            _("The time window must be at most a year."), field=f"{what}_window_seconds"
        )
    return seconds
