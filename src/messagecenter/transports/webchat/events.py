"""What the website messenger's socket receives: the contact-side events (R-CHAN-1).

The webchat delivers by pushing to the contact's group after commit; these events carry only
what the contact may see (messages and deletions, never notes or internal entries), and the
messenger's header facts (who is assigned, "the reply comes later").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from messagecenter.conversations.models import Conversation, EntryKind, TimelineEntry
from messagecenter.core.events import contact_group, send_on_commit


class ContactEntryEvent(TypedDict):
    """What the contact's messenger sees of a new entry (messages and deletions only)."""

    type: Literal["messenger.entry"]
    conversation: str
    seq: int
    entry: dict[str, Any]


class AssignedEvent(TypedDict):
    """Told to the contact: who they are chatting with now (the messenger's header). Only the
    operator's display name, never ids or groups; ``None`` when nobody is assigned."""

    type: Literal["messenger.assigned"]
    conversation: str
    operator: str | None


class QueuedEvent(TypedDict):
    """Told to the contact: nobody can chat live now, the reply will come later."""

    type: Literal["messenger.queued"]
    conversation: str
    reason: Literal["no_operator_available", "no_free_slot", "out_of_office", "queue_full"]


# Entries a contact may see; everything else (notes, routing, assignments) is internal.
# Calls: the contact took part, and a missed one is worth seeing later (R-FILE-3).
CONTACT_VISIBLE = {EntryKind.MESSAGE, EntryKind.MESSAGE_DELETED, EntryKind.CALL}

# What features add to a contact-visible message (translation: "machine-translated" and the
# original); each answers {} without a query unless the message is marked for it.
_contact_extras: list[Callable[[Any], dict[str, Any]]] = []


def register_contact_extras(loader: Callable[[Any], dict[str, Any]]) -> None:
    if loader not in _contact_extras:
        _contact_extras.append(loader)


def contact_entry(entry: TimelineEntry, *, with_files: bool = True) -> dict[str, Any]:
    """The contact-side view: no internal data, deleted messages without their content."""
    payload: dict[str, Any] = {"seq": entry.seq, "kind": entry.kind, "at": entry.at.isoformat()}
    if entry.kind == EntryKind.MESSAGE:
        message = entry.message
        deleted = message.deleted_at is not None
        payload["message"] = {
            "author_kind": message.author_kind,
            "author_name": entry.actor_name if message.author_kind != "contact" else "",
            "html": "" if deleted else message.html,
            "client_msg_id": message.client_msg_id,
            "deleted": deleted,
        }
        files = [] if deleted or not with_files else contact_files(message)
        if files:  # only then: a text message's payload stays as it was
            payload["message"]["files"] = files
        if not deleted:
            for loader in _contact_extras:
                payload["message"].update(loader(message))
    elif entry.kind == EntryKind.MESSAGE_DELETED:
        payload["message_seq"] = entry.data["message_seq"]
    elif entry.kind == EntryKind.CALL:
        data = entry.data
        payload["call"] = {
            "id": data.get("call", ""),
            "event": data.get("event", ""),
            "video": bool(data.get("video")),
            "duration": data.get("duration"),
        }
    return payload


# Set on a Message instance by the writer that attached its files (conversations.attachments,
# conversations.outgoing_files), so the push that follows needs no query.
KNOWN_FILES = "_mc_files"


# Files linked to a message by its transaction after the message was written (an inbound
# message's files: conversations.attachments.link), by message pk, until the push at commit.
_linked: dict[int, list] = {}


def contact_file(stored) -> dict[str, Any]:
    """A file as the messenger shows it: a lasting link (it mints a fresh signed URL),
    relative to the server the messenger talks to."""
    from messagecenter.files import links

    return {
        "name": stored.original_name,
        "size": stored.size,
        "content_type": stored.content_type,
        "image": stored.is_raster_image,
        "url": links.lasting_link(stored),
        "thumb": links.lasting_link(stored, variant="thumb") if stored.thumbnail_key else "",
        "scan": stored.scan_state,
        # A voice message: its length and what the messenger's player loads (R-FILE-2).
        **(
            {
                "voice": True,
                "duration_ms": stored.duration_ms or 0,
                "play": links.lasting_link(stored, variant="voice"),
            }
            if stored.voice
            else {}
        ),
    }


describe = contact_file


def files_linked(message, files: list) -> None:
    _linked[message.pk] = list(files)


def contact_files(message) -> list[dict[str, Any]]:
    """The message's files with lasting download links (R-FILE-1): the contact's own and the
    operator's alike."""
    from messagecenter.conversations.models import MessageAttachment

    known = message.__dict__.get(KNOWN_FILES)
    if known is not None:  # the writer just attached them: no query on the live path
        return [describe(f) for f in known]
    linked = _linked.pop(message.pk, None)
    if linked is not None:
        return [describe(f) for f in linked]
    rows = MessageAttachment.objects.filter(message=message, file__isnull=False)
    return [describe(row.file) for row in rows.select_related("file__account") if row.file]


def announce_assignment_to_contact(conversation: Conversation) -> None:
    """After an assignment, forward or hand-over: the contact's tabs update their header."""
    operator = conversation.assigned_operator
    event: AssignedEvent = {
        "type": "messenger.assigned",
        "conversation": conversation.public_id,
        "operator": operator.name if operator else None,
    }
    send_on_commit(event, [contact_group(conversation.contact.public_id)])


def announce_queued(conversation: Conversation, reason: str) -> None:
    event: QueuedEvent = {
        "type": "messenger.queued",
        "conversation": conversation.public_id,
        "reason": reason,  # type: ignore[typeddict-item]
    }
    send_on_commit(event, [contact_group(conversation.contact.public_id)])


def announce_to_contact(conversation: Conversation, entry: TimelineEntry) -> None:
    """A contact-visible entry goes to the contact's messenger tabs (its delivery)."""
    if entry.kind not in CONTACT_VISIBLE:
        return
    event: ContactEntryEvent = {
        "type": "messenger.entry",
        "conversation": conversation.public_id,
        "seq": entry.seq,
        "entry": contact_entry(entry, with_files=False),
    }
    # The files at commit: a contact's message gets them later in its transaction
    # (conversations.inbound links them after the message is written).
    send_on_commit(
        event, [contact_group(conversation.contact.public_id)], finish=_with_files(entry)
    )


def _with_files(entry: TimelineEntry):
    def finish(event: dict[str, Any]) -> None:
        message = event["entry"].get("message")
        if message is None or message["deleted"]:
            return
        linked = _linked.pop(entry.message.pk, None)
        files = (
            [describe(f) for f in linked] if linked is not None else contact_files(entry.message)
        )
        if files:
            message["files"] = files

    return finish
