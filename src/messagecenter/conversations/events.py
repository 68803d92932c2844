"""Events of the conversations domain, and who receives them.

Operators listen on the account group (inbox lists, counts) and on the groups of the
conversations they have open; a contact's messenger listens only on its contact group. What
goes to a contact group is the webchat transport's (``transports.webchat.events``), which
leaves out everything internal.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, TypedDict

from django.utils.translation import gettext

from messagecenter.conversations import extras
from messagecenter.conversations.models import Conversation, EntryKind, TimelineEntry
from messagecenter.core.events import (
    account_group,
    conversation_group,
    operator_group,
    send_on_commit,
)
from messagecenter.jobs import outbox
from messagecenter.transports.webchat.events import announce_to_contact


class ConversationSummary(TypedDict):
    id: str
    status: str
    is_live: bool
    assigned_operator: str | None
    assigned_group: str | None
    contact: str
    contact_name: str
    channel: str
    widget: str
    last_activity_at: str
    waiting_since: str | None
    last_seq: int


class TimelineEvent(TypedDict):
    """One new timeline entry, for operators (``entry`` holds the full entry)."""

    type: Literal["timeline.entry"]
    account: str
    conversation: str
    seq: int
    entry: dict[str, Any]
    summary: ConversationSummary


class ConversationChangedEvent(TypedDict):
    """For inbox lists and counters: the conversation's new state, and a preview when the
    change was a message. Goes to the whole account; full entries go to the conversation."""

    type: Literal["conversation.changed"]
    account: str
    conversation: str
    seq: int
    # The write's main entry kind ("message" when it had a message) and every kind it had
    # (a first message is also "routing_decision", "assigned", "status_changed", ...).
    kind: str
    kinds: list[str]
    # The write started the conversation (its first entry is seq 1).
    started: bool
    # Status, LIVE, operator and group before the write (None for a new conversation): with
    # ``summary`` a client moves its counters exactly, without holding every conversation.
    previous: dict[str, Any] | None
    # Who wrote, for messages ("contact", "operator", "bot", "system"), else None: lets the
    # personal runtime sound "new message" for contact messages only.
    author_kind: str | None
    preview: str
    summary: ConversationSummary


class MessageUpdatedEvent(TypedDict):
    """An existing message changed (its delivery state, its failure reason): the entry again,
    in full, for the operators viewing the conversation. Replace the entry of that ``seq``."""

    type: Literal["message.updated"]
    account: str
    conversation: str
    seq: int
    entry: dict[str, Any]


class MentionEvent(TypedDict):
    type: Literal["note.mention"]
    account: str
    conversation: str
    seq: int
    by: str


PREVIEW_LENGTH = 140


def summary(conversation: Conversation) -> ConversationSummary:
    return {
        "id": conversation.public_id,
        "status": conversation.status,
        "is_live": conversation.is_live,
        "assigned_operator": _pid(conversation.assigned_operator),
        "assigned_group": _pid(conversation.assigned_group),
        "contact": conversation.contact.public_id,
        "contact_name": conversation.contact.name,
        "channel": conversation.connection.kind,
        "widget": conversation.widget.public_id,
        "last_activity_at": conversation.last_activity_at.isoformat(),
        "waiting_since": conversation.waiting_since.isoformat()
        if conversation.waiting_since
        else None,
        "last_seq": conversation.last_seq,
    }


def entry_payloads(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    """The operator-side view of a page of entries: the channels' extras in one go."""
    found = extras.for_entries(entries)
    return [entry_payload(entry, found) for entry in entries]


def entry_payload(
    entry: TimelineEntry, found: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The operator-side view of an entry (also used by the REST API). ``found``: the
    channels' extras of a page (``entry_payloads``); without it, this entry's own."""
    payload: dict[str, Any] = {
        "seq": entry.seq,
        "kind": entry.kind,
        "at": entry.at.isoformat(),
        "session": entry.session_number,
        "actor": {"kind": entry.actor_kind, "id": entry.actor_id, "name": entry.actor_name},
        "data": entry.data,
    }
    if entry.kind == EntryKind.MESSAGE:
        from messagecenter.conversations import revisions  # it announces through this module

        message = entry.message
        payload["message"] = {
            "author_kind": message.author_kind,
            "body": message.body,
            "html": message.html,
            "channel": message.connection.kind,
            "client_info": message.client_info,
            "delivery_state": message.delivery_state,
            # Why a failed delivery failed (the transport's reason), for the Retry action.
            "delivery_error": gettext(message.delivery_error) if message.delivery_error else "",
            "client_msg_id": message.client_msg_id,
            "deleted": message.deleted_at is not None,
            # Deleting it at the channel (Telegram) failed: why.
            "delete_error": revisions.delete_error(message),
            # The contact edited it (Telegram): when, and the earlier versions, oldest first.
            "edited_at": message.edited_at.isoformat() if message.edited_at else None,
            "revisions": revisions.revisions_of(message),
            # Files the channel brought with the message (a mail's attachments).
            "files": [],
        }
        if found is None:
            found = extras.for_entries([entry])
        payload["message"].update(found.get(message.pk, {}))
    elif entry.kind == EntryKind.NOTE:
        note = entry.note
        payload["note"] = {
            "body": note.body,
            "html": note.html,
            "edited": note.edited_at is not None,
            "deleted": note.deleted_at is not None,
            "mentions": note.mentions,
        }
    return payload


NO_EXTRAS: dict[int, dict[str, Any]] = {}


def _extras_at_commit(entry: TimelineEntry):
    """A channel's extras are written after the message, in the same transaction (a mail's
    attachments): the pushed entry reads them once it commits. None (nothing to read, and
    no query on the messenger's write path) for a channel without extras."""
    if not extras.applies(entry):
        return None

    def finish(event: dict[str, Any]) -> None:
        event["entry"]["message"].update(extras.for_entries([entry]).get(entry.message.pk, {}))

    return finish


def announce_entry(conversation: Conversation, entry: TimelineEntry) -> None:
    announce_entries(conversation, [entry])


def announce_entries(conversation: Conversation, entries: list[TimelineEntry]) -> None:
    """Send each new entry in full to the operators viewing the conversation (and, when
    contact-visible, to the contact's messenger), and the conversation's new state ONCE to
    the whole account (inbox lists, counters): one write, one ``conversation.changed``."""
    if not entries:
        return
    state = summary(conversation)
    for entry in entries:
        event: TimelineEvent = {
            "type": "timeline.entry",
            "account": conversation.account.public_id,
            "conversation": conversation.public_id,
            "seq": entry.seq,
            "entry": entry_payload(entry, NO_EXTRAS),
            "summary": state,
        }
        send_on_commit(
            event, [conversation_group(conversation.public_id)], finish=_extras_at_commit(entry)
        )
        announce_to_contact(conversation, entry)
    send_on_commit(
        _changed(conversation, entries, state), [account_group(conversation.account.public_id)]
    )
    publish_entries(conversation, entries)


def publish_entries(conversation: Conversation, entries: list[TimelineEntry]) -> None:
    """The durable side of a write: each entry as a ``timeline.entry`` outbox event, for the
    jobs subscribed to it (notifications; webhooks later). Ids and kinds only; a consumer
    reads the rest. One INSERT for the write, none when nobody wants these entries."""
    events = [
        (
            "timeline.entry",
            {
                "type": "timeline.entry",
                "conversation": conversation.public_id,
                "seq": entry.seq,
                "kind": entry.kind,
                "actor_kind": entry.actor_kind,
            },
        )
        for entry in entries
    ]
    outbox.publish(events, account_id=conversation.account_id)


def _changed(
    conversation: Conversation, entries: list[TimelineEntry], state: ConversationSummary
) -> ConversationChangedEvent:
    # The message, if the write had one, is what inbox rows preview and what sounds.
    messages = [e for e in entries if e.kind == EntryKind.MESSAGE]
    main = messages[-1] if messages else entries[-1]
    return {
        "type": "conversation.changed",
        "account": conversation.account.public_id,
        "conversation": conversation.public_id,
        "seq": entries[-1].seq,
        "kind": main.kind,
        "kinds": list(dict.fromkeys(e.kind for e in entries)),
        "started": entries[0].seq == 1,
        "previous": _previous(conversation),
        "author_kind": main.message.author_kind if main.kind == EntryKind.MESSAGE else None,
        "preview": _preview(main),
        "summary": state,
    }


def announce_message_updated(conversation: Conversation, entry: TimelineEntry) -> None:
    event: MessageUpdatedEvent = {
        "type": "message.updated",
        "account": conversation.account.public_id,
        "conversation": conversation.public_id,
        "seq": entry.seq,
        "entry": entry_payload(entry),
    }
    send_on_commit(event, [conversation_group(conversation.public_id)])


def publish_delivery_state(conversation: Conversation, entry: TimelineEntry, state: str) -> None:
    """The durable side of a delivery state change (sent, delivered, read, failed): a
    ``message.delivery`` outbox event for the jobs subscribed to it (webhooks)."""
    payload = {
        "type": "message.delivery",
        "conversation": conversation.public_id,
        "seq": entry.seq,
        "state": state,
        # Tells two changes to the same state apart (failed, retried, failed again).
        "event": uuid.uuid4().hex,
    }
    outbox.publish([("message.delivery", payload)], account_id=conversation.account_id)


def announce_mentions(conversation: Conversation, entry: TimelineEntry, operator_ids: list[str]):
    """Each mentioned operator hears of it on their own group (R-RULES Mentions), and the
    mention is an outbox event (their notification)."""
    payload = {"type": "note.mention", "conversation": conversation.public_id, "seq": entry.seq}
    outbox.publish([("note.mention", payload)], account_id=conversation.account_id)
    for operator_id in operator_ids:
        event: MentionEvent = {
            "type": "note.mention",
            "account": conversation.account.public_id,
            "conversation": conversation.public_id,
            "seq": entry.seq,
            "by": entry.actor_id,
        }
        send_on_commit(event, [operator_group(operator_id)])


def _preview(entry: TimelineEntry) -> str:
    if entry.kind != EntryKind.MESSAGE:
        return ""
    body = entry.message.body
    return body if len(body) <= PREVIEW_LENGTH else body[: PREVIEW_LENGTH - 1] + "…"


def _previous(conversation: Conversation) -> dict[str, Any] | None:
    # The write's unit (conversations.timeline.Pending) remembered it when it locked the row.
    work = getattr(conversation, "_pending", None)
    return work.before if work is not None else None


def _pid(obj) -> str | None:
    return obj.public_id if obj is not None else None
