"""What an outbox event becomes: the webhook events (type, source key, body data) built
from the database when the event is fanned out, so every attempt posts the same bytes.

The data reuses the app's own presenters (``conversations.events.summary`` and
``entry_payload``), so a webhook says what the API and the operator app say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messagecenter.contacts.models import Contact
from messagecenter.conversations.events import entry_payload, summary
from messagecenter.conversations.models import Conversation, EntryKind, Status, TimelineEntry
from messagecenter.core import clock
from messagecenter.webhooks.events import EVENT_TYPES


@dataclass(frozen=True)
class Planned:
    """One webhook event to send: its type, what caused it (unique per account), when it
    happened, whose data it carries (the contact, so an erasure can forget it) and its data."""

    account_id: int
    type: str
    source: str
    at: datetime
    contact: str
    data: dict[str, Any]


def plan(payload: dict[str, Any]) -> list[Planned]:
    """The webhook events of one outbox event (none when its object is gone meanwhile)."""
    kind = payload.get("type")
    if kind == "timeline.entry":
        return list(_timeline(payload))
    if kind == "message.delivery":
        return list(_delivery(payload))
    if kind in ("contact.created", "contact.updated"):
        return list(_contact(payload))
    if kind == "contact.erased":
        return []  # the erased contact's event is built by ``erased`` (nothing left to read)
    return []


def _entry(payload: dict[str, Any]) -> TimelineEntry | None:
    seq = payload.get("seq")
    if not isinstance(seq, int):
        return None
    return (
        TimelineEntry.objects.select_related(
            "conversation__account",
            "conversation__contact",
            "conversation__connection",
            "conversation__widget",
            "conversation__assigned_operator",
            "conversation__assigned_group",
            "message__connection",
            "note",
        )
        .filter(conversation__public_id=payload.get("conversation"), seq=seq)
        .first()
    )


def _timeline(payload: dict[str, Any]) -> Iterator[Planned]:
    entry = _entry(payload)
    if entry is None:
        return
    conversation = entry.conversation
    for event_type in _timeline_types(entry):
        yield Planned(
            account_id=conversation.account_id,
            type=event_type,
            source=f"timeline:{conversation.public_id}:{entry.seq}:{event_type}",
            at=entry.at,
            contact=conversation.contact.public_id,
            data=_conversation_data(conversation, entry),
        )


def _timeline_types(entry: TimelineEntry) -> list[str]:
    types = ["conversation.started"] if entry.seq == 1 else []
    if entry.kind == EntryKind.MESSAGE:
        types.append("message.created")
    elif entry.kind == EntryKind.MESSAGE_DELETED:
        types.append("message.deleted")
    elif entry.kind == EntryKind.ASSIGNED:
        types.append("conversation.assigned")
    elif entry.kind == EntryKind.STATUS_CHANGED:
        types.append("conversation.status_changed")
        if (entry.data or {}).get("to") == Status.ENDED:
            types.append("conversation.ended")
    elif entry.kind == EntryKind.RATING and (entry.data or {}).get("state") == "rated":
        types.append("conversation.rated")
    elif entry.kind == EntryKind.CALL:
        call_type = f"call.{(entry.data or {}).get('event')}"
        if call_type in EVENT_TYPES:
            types.append(call_type)
    return types


def _conversation_data(conversation: Conversation, entry: TimelineEntry) -> dict[str, Any]:
    return {"conversation": summary(conversation), "entry": entry_payload(entry)}


def _delivery(payload: dict[str, Any]) -> Iterator[Planned]:
    entry = _entry(payload)
    if entry is None or entry.kind != EntryKind.MESSAGE:
        return
    conversation = entry.conversation
    data = _conversation_data(conversation, entry) | {"state": payload.get("state")}
    yield Planned(
        account_id=conversation.account_id,
        type="message.delivery_state",
        source=f"delivery:{payload.get('event') or ''}:{conversation.public_id}:{entry.seq}",
        at=clock.now(),
        contact=conversation.contact.public_id,
        data=data,
    )


def _contact(payload: dict[str, Any]) -> Iterator[Planned]:
    contact = (
        Contact.objects.prefetch_related("identities")
        .filter(public_id=payload.get("contact"))
        .first()
    )
    if contact is None:
        return
    yield Planned(
        account_id=contact.account_id,
        type=str(payload["type"]),
        source=f"{payload['type']}:{payload.get('event') or ''}:{contact.public_id}",
        at=clock.now(),
        contact=contact.public_id,
        data={"contact": contact_data(contact)},
    )


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.public_id,
        "name": contact.name,
        "company": contact.company,
        "customer_id": contact.customer_id,
        "country": contact.country,
        "postcode": contact.postcode,
        "locale": contact.locale,
        "custom_fields": contact.custom_fields,
        "blocked": contact.blocked,
        "identities": [
            {"kind": identity.kind, "value": identity.value}
            for identity in contact.identities.all()
        ],
        "created_at": contact.created_at.isoformat(),
    }


def erased(account_id: int, payload: dict[str, Any]) -> Planned:
    contact_id = str(payload.get("contact") or "")
    return Planned(
        account_id=account_id,
        type="contact.erased",
        source=f"contact.erased:{contact_id}",
        at=clock.now(),
        contact="",  # nothing of the contact is left to forget in it
        data={"contact": {"id": contact_id}},
    )
