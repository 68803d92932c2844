"""The website messenger as a transport: the example every other channel copies.

Inbound, the socket consumer (``consumer.py``) reads a ``message.send`` frame; ``parse`` turns
it into an ``InboundMessage`` for ``conversations.inbound.receive``. Outbound, the webchat
delivers live over the contact's socket (the ``messenger.entry`` event, ``events.py``), so it
writes no delivery rows (``queued_delivery=False``): an operator message is ``sent`` the
moment it commits, and a contact who was offline reads it by resuming from their last seq.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed
from messagecenter.transports import registry
from messagecenter.transports.base import (
    MEDIA_KINDS,
    Capabilities,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
)

MAX_TEXT = 20_000


class WebchatTransport(Transport):
    kind = "webchat"
    capabilities = Capabilities(
        max_text_length=MAX_TEXT,
        media_types=MEDIA_KINDS,
        max_file_bytes=None,
        voice=True,
        calls=True,
        can_delete=True,
        delete_window=None,
        can_edit=False,
        edit_window=None,
        templates=False,
        reply_window=None,
        identity_kinds=frozenset({"cookie", "external"}),
        queued_delivery=False,
    )

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        """A ``message.send`` frame: body, the client's id for retries, the conversation."""
        body = request.get("body")
        if not isinstance(body, str):
            raise ValidationFailed(_("A message needs a text."), field="body")
        return InboundMessage(
            body=body,
            conversation=str(request.get("conversation") or ""),
            client_msg_id=request.get("client_id") or None,
            client_info=dict(request.get("client_info") or {}),
            uploads=_upload_ids(request.get("uploads")),
        )

    def deliver(self, outbound: Outbound) -> Receipt:
        # Never called: webchat messages are pushed to the socket after commit.
        raise TransportError("The website messenger delivers over its socket.", permanent=True)


registry.register(WebchatTransport())


def _upload_ids(value: Any) -> tuple[str, ...]:
    """The finished uploads the message carries (``webchat.uploads``), at most ten."""
    if not isinstance(value, list):
        return ()
    return tuple(v[:24] for v in value if isinstance(v, str) and v)[:10]
