"""A contact's reactions on WhatsApp: an emoji on one message of the conversation (theirs or
one we sent), kept beside it (``WhatsAppReaction``), never a message of its own. WhatsApp
allows one reaction per user and message: a newer one replaces it, an empty emoji removes it,
and an older one redelivered later changes nothing. Open views update through the
``message.updated`` push; the timeline shows the emoji under the message.

A reaction to a message we do not have (older than the channel, or never received) is left.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction

from messagecenter.conversations import attachments
from messagecenter.conversations.events import announce_message_updated
from messagecenter.conversations.models import Message, OutboundDelivery
from messagecenter.transports.whatsapp.models import WhatsAppReaction, WhatsAppTemplateMessage


def react(connection, target_wamid: str, emoji: str, *, wamid: str, at: datetime) -> str:
    """Record the contact's reaction; what it did: "reaction", "duplicate" or "ignored"."""
    message = _message(connection, target_wamid)
    if message is None:
        return "ignored"
    with transaction.atomic():
        current = WhatsAppReaction.objects.select_for_update().filter(message=message).first()
        if current is not None and (current.wamid == wamid or current.reacted_at > at):
            return "duplicate"
        if not emoji:
            if current is None:
                return "duplicate"
            current.delete()
        else:
            WhatsAppReaction.objects.update_or_create(
                message=message, defaults={"emoji": emoji[:32], "wamid": wamid, "reacted_at": at}
            )
        announce_message_updated(message.conversation, message.entry)
    return "reaction"


def _message(connection, wamid: str) -> Message | None:
    if not wamid:
        return None
    related = ("entry", "conversation__account", "connection")
    theirs = Message.objects.filter(
        account_id=connection.account_id, connection=connection, provider_message_id=wamid
    ).select_related(*related)
    found = theirs.first()
    if found is not None:
        return found
    ours = OutboundDelivery.objects.filter(connection=connection, provider_message_id=wamid)
    delivery = ours.select_related(*(f"message__{r}" for r in related)).first()
    return delivery.message if delivery is not None else None


def message_extras(messages: list[Message]) -> dict[int, dict[str, Any]]:
    """The files (``conversations.attachments``), the contact's reaction and the template a
    message was sent as, of a page of WhatsApp messages: one query each."""
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    for pk, extra in attachments.message_extras(messages).items():
        found[pk].update(extra)
    pks = [m.pk for m in messages]
    for row in WhatsAppReaction.objects.filter(message_id__in=pks):
        found[row.message_id]["reactions"] = [{"emoji": row.emoji, "by": "contact"}]
    # A template message (whatsapp.sending): the timeline marks it as one.
    sent = WhatsAppTemplateMessage.objects.filter(message_id__in=pks)
    for pk, name, language, category in sent.values_list(
        "message_id", "name", "language", "category"
    ):
        found[pk]["template"] = {"name": name, "language": language, "category": category}
    return dict(found)


def register_extras() -> None:
    from messagecenter.conversations import extras

    extras.register("whatsapp", message_extras, files=attachments.conversation_file)
