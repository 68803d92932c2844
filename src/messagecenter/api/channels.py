"""Custom channels' inbound door: ``POST /api/v1/channels/{channel_id}/messages``.

Not authenticated by an API token but by the channel's Standard Webhooks signature over the
raw body, so the endpoint reads ``request.body`` itself (no body schema: ninja would parse
before the bytes are verified). The work is ``transports.custom.inbound.accept``; its
refusals become problems (401 ``invalid_signature`` with ``reason``, 404, 409 for a
capability the channel lacks, 422 for a malformed message).

(No ``from __future__ import annotations``: ninja reads these signatures at import time.)
"""

from ninja import Router, Schema, Status

from messagecenter.api.schemas import Problem
from messagecenter.transports.custom import inbound

router = Router(tags=["channels"])


class InboundAccepted(Schema):
    conversation: str
    seq: int
    contact: str
    duplicate: bool


@router.post(
    "/channels/{channel_id}/messages",
    response={200: InboundAccepted, **{code: Problem for code in (401, 404, 409, 413, 422)}},
    auth=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "A message from the channel's contact, signed with the channel's "
            "inbound secret (webhook-id, webhook-timestamp, webhook-signature). See "
            "docs/channels.md, Custom channels.",
        }
    },
)
def receive_message(request, channel_id: str):
    """A contact's message from a custom channel; the same ``id`` again is stored once."""
    received = inbound.accept(channel_id, request.headers, request.body)
    return Status(
        200,
        {
            "conversation": received.conversation.public_id,
            "seq": received.entry.seq,
            "contact": received.contact.public_id,
            "duplicate": received.duplicate,
        },
    )


# Retried by the channel, not by an API client: idempotent on the message's own ``id``
# (a replay answers the same conversation and seq), so no Idempotency-Key is needed.
receive_message.idempotent_by_message_id = True  # type: ignore[attr-defined]
