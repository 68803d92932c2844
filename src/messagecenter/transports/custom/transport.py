"""Custom channels as a transport: the capabilities each connection declares, an inbound JSON
message parsed into an ``InboundMessage``, and outbound delivery as a signed POST
(``core.webhooks.post_signed``, through the SSRF guard) to the connection's webhook URL.

The request is verified before ``parse`` sees it (``custom.inbound``); ``parse`` only checks
the shape and what this connection can carry.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from messagecenter.core import webhooks
from messagecenter.core.errors import ValidationFailed
from messagecenter.transports import registry
from messagecenter.transports.base import (
    Capabilities,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
    check_text,
)
from messagecenter.transports.custom import config
from messagecenter.transports.registry import PLANNED

# Which field of the inbound ``contact`` object carries which identity kind, in the order a
# sender's identity is chosen.
CONTACT_FIELDS = (("external", "id"), ("email", "email"), ("phone", "phone"))
MAX_ID = 200
REASON_EXCERPT = 200
# Per network operation; the whole exchange gets three times this (core.ssrf).
TIMEOUT_SECONDS = 10.0


class CustomTransport(Transport):
    kind = "custom"
    # The record of a connection that declares nothing (the planned one); each connection's
    # own comes from ``capabilities_for``.
    capabilities: ClassVar[Capabilities] = PLANNED["custom"]

    def capabilities_for(self, connection) -> Capabilities:
        return config.capabilities(connection)

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        """The verified JSON body: ``{id, contact: {id, name, email, phone}, text,
        conversation?, thread?}``."""
        if not isinstance(request, dict):
            raise ValidationFailed(_("The body must be a JSON object."), field="body")
        text = request.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValidationFailed(_("A message needs a text."), field="text")
        check_text(self.capabilities_for(connection), text, connection.name or _("Custom"))
        contact = request.get("contact")
        if not isinstance(contact, dict):
            raise ValidationFailed(_("A message needs its contact."), field="contact")
        kind, value = _identity(connection, contact)
        return InboundMessage(
            body=text,
            identity_kind=kind,
            identity_value=value,
            provider_message_id=_short(request, "id", required=True),
            thread_key=_short(request, "thread"),
            conversation=_short(request, "conversation"),
            contact_name=_short(contact, "name"),
        )

    def deliver(self, outbound: Outbound) -> Receipt:
        connection = outbound.connection
        if not connection.is_active:
            raise TransportError(_("The channel is deactivated."), permanent=True)
        url, secrets = config.webhook_url(connection), config.signing_secrets(connection)
        if not url or not secrets:
            raise TransportError(_("The channel has no webhook URL or secret."), permanent=True)
        result = webhooks.post_signed(
            url,
            secrets,
            event_id=outbound.idempotency_key,
            body=payload(outbound),
            timeout=TIMEOUT_SECONDS,
        )
        if result.ok:
            return Receipt(provider_message_id=_receiver_id(result.response_excerpt))
        reason = result.error
        if result.response_excerpt.strip():
            reason = f"{reason}: {result.response_excerpt.strip()[:REASON_EXCERPT]}"
        raise TransportError(reason, permanent=result.permanent, retry_after=result.retry_after)


def payload(outbound: Outbound) -> bytes:
    """What the receiver gets (documented in docs/channels.md)."""
    return json.dumps(
        {
            "type": "message.created",
            "channel": outbound.connection.public_id,
            "conversation": outbound.conversation,
            "seq": outbound.seq,
            "text": outbound.body,
            "html": outbound.html,
            "author": {"name": outbound.author_name},
            "recipient": outbound.recipient,
            "thread": outbound.thread_key,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _identity(connection, contact: dict[str, Any]) -> tuple[str, str]:
    allowed = config.capabilities(connection).identity_kinds
    for kind, name in CONTACT_FIELDS:
        value = _short(contact, name)
        if value and kind in allowed:
            return kind, value
    names = ", ".join(f"contact.{name}" for kind, name in CONTACT_FIELDS if kind in allowed)
    raise ValidationFailed(
        _("The contact needs one of: %(fields)s.") % {"fields": names}, field="contact"
    )


def _short(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ValidationFailed(_("%(field)s is required.") % {"field": name}, field=name)
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > MAX_ID:
        raise ValidationFailed(
            _("%(field)s must be a text of at most %(max)d characters.")
            % {"field": name, "max": MAX_ID},
            field=name,
        )
    return str(value)


def _receiver_id(excerpt: str) -> str:
    """The receiver's id of the message when it answers ``{"id": "…"}``."""
    try:
        answer = json.loads(excerpt)
    except ValueError:
        return ""
    found = answer.get("id") if isinstance(answer, dict) else None
    return str(found)[:200] if isinstance(found, str | int) else ""


registry.register(CustomTransport())
