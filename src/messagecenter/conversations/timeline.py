"""Appending to a conversation's timeline: the one place sequence numbers are handed out.

Callers hold the conversation row locked (``lock``) for the whole transaction, so numbers are
gapless (a rollback returns them) and no two writers ever take the same one.

A write is one unit: ``lock`` reads the row (and what the write path needs to know about it)
in one statement, entries are appended (``append``: inserted at once, for entries other rows
point to) or staged (``stage``: inserted together by ``flush``), and ``flush`` saves the
conversation row once, the staged entries and audit rows in one INSERT each, and the session.
The services end every write with ``flush`` (through ``persist_and_announce``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from messagecenter.accounts.models import AuditEntry
from messagecenter.accounts.services import availability, presence_grace_start
from messagecenter.contacts.models import ContactConnection
from messagecenter.conversations.models import (
    Conversation,
    ConversationSession,
    TimelineEntry,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.prepared import Placeholder, Prepared


@dataclass
class Pending:
    """What a locked conversation's write has not yet sent to the database."""

    entries: list[TimelineEntry] = field(default_factory=list)
    audits: list[AuditEntry] = field(default_factory=list)
    new_session: bool = False
    session_first_seq: int = 0
    session_started_at: datetime | None = None
    # The finished session's last activity, copied to its row when the next one starts.
    closed_session: tuple[int, Any] | None = None
    session_became_live: bool = False
    # The conversation as inboxes counted it before this write (None: it is new), so clients
    # keep their counters exact from one event (``conversation.changed``'s ``previous``).
    before: dict[str, Any] | None = None
    # Presence known for this write: the contact, and operators by primary key.
    contact_online: bool | None = None
    available: dict[int, bool] = field(default_factory=dict)


def lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock (PostgreSQL ``FOR UPDATE``; SQLite's
    IMMEDIATE transaction already serialises writers), in ONE statement that also answers
    what a message needs: is the contact online, is the assigned operator available, and
    what is the highest seq. Compiled once (``core.prepared``): it runs for every message.

    (A retried send's earlier message is looked up by a statement of its own after this
    one: on PostgreSQL a subquery here would read the snapshot from before the lock wait and
    miss the message whose writer held the lock.)"""
    locked = _LOCK.first(conversation.pk, presence_grace_start())
    if locked is None:
        raise Conversation.DoesNotExist("The conversation to lock is gone.")
    _begin(locked)
    return locked


def _lock_query(pk: int, grace_start: datetime) -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related(
            "widget", "connection", "contact", "assigned_operator", "assigned_group", "account"
        )
        .annotate(
            locked_max_seq=Subquery(_entries().order_by("-seq").values("seq")[:1]),
            locked_contact_online=Exists(
                ContactConnection.objects.filter(contact_id=OuterRef("contact_id"))
            ),
            locked_operator_available=availability(OuterRef("assigned_operator_id"), grace_start),
        )
        .filter(pk=pk)
    )


_LOCK = Prepared(_lock_query, placeholders=(Placeholder.INT, Placeholder.DATETIME))


def begin_new(conversation: Conversation) -> Conversation:
    """Start the unit of work for a conversation created in this transaction (nobody else
    can see it yet, so there is nothing to lock or re-read)."""
    conversation.locked_max_seq = None  # type: ignore[attr-defined]
    conversation.locked_contact_online = None  # type: ignore[attr-defined]
    conversation.locked_operator_available = False  # type: ignore[attr-defined]
    _begin(conversation)
    pending(conversation).before = None
    return conversation


def inbox_state(conversation: Conversation) -> dict[str, Any]:
    """What decides where a conversation is counted: status, LIVE, operator, group."""
    operator, group = conversation.assigned_operator, conversation.assigned_group
    return {
        "status": conversation.status,
        "is_live": conversation.is_live,
        "assigned_operator": operator.public_id if operator else None,
        "assigned_group": group.public_id if group else None,
    }


def pending(conversation: Conversation) -> Pending:
    return conversation._pending  # type: ignore[attr-defined]


def append(
    conversation: Conversation,
    kind: str,
    actor: Actor,
    *,
    data: dict[str, Any] | None = None,
    activity: bool = False,
) -> TimelineEntry:
    """Add the next entry now (messages and notes: their rows point to it). ``activity``
    marks messages, which start a new session after the widget's conversation timeout of
    silence (R-RULES Sessions)."""
    entry = _next_entry(conversation, kind, actor, data, activity)
    entry.save(force_insert=True)
    return entry


def stage(
    conversation: Conversation, kind: str, actor: Actor, *, data: dict[str, Any] | None = None
) -> TimelineEntry:
    """Add the next entry; it is inserted by ``flush`` together with the others."""
    entry = _next_entry(conversation, kind, actor, data, activity=False)
    pending(conversation).entries.append(entry)
    return entry


def stage_audit(actor: Actor, conversation: Conversation, action: str, **data: Any) -> None:
    """An audit row about this conversation, written by ``flush`` with the others."""
    pending(conversation).audits.append(
        AuditEntry(
            account=actor.account,
            at=clock.now(),
            actor_kind=actor.kind,
            actor_id=actor.public_id,
            action=action,
            target_type="conversation",
            target_id=conversation.public_id,
            data=data,
        )
    )


def mark_session_live(conversation: Conversation) -> None:
    """The assigned operator and the contact are online together: label the session LIVE.
    Meeting counts as activity, so after a long silence it opens a new session."""
    _session_number(conversation, clock.now(), activity=True)
    if not conversation.session_live:
        conversation.session_live = True
        pending(conversation).session_became_live = True


def flush(conversation: Conversation) -> None:
    """Write what the unit holds: staged entries and audit rows (one INSERT each), the
    session, and the conversation row (one UPDATE)."""
    work = pending(conversation)
    if work.entries:
        TimelineEntry.objects.bulk_create(work.entries)
        work.entries = []
    if work.audits:
        AuditEntry.objects.bulk_create(work.audits)
        work.audits = []
    _flush_session(conversation, work)
    conversation.save()


# --- internals -------------------------------------------------------------------------------


def _entries():
    return TimelineEntry.objects.filter(conversation=OuterRef("pk"))


def _begin(conversation: Conversation) -> None:
    # The row's last_seq is saved by ``flush``; the entries' own maximum is the truth, so a
    # writer that forgot to flush can never make two entries share a number.
    highest = conversation.locked_max_seq or 0  # type: ignore[attr-defined]
    conversation.last_seq = max(conversation.last_seq, highest)
    work = Pending(contact_online=conversation.locked_contact_online)  # type: ignore[attr-defined]
    work.before = inbox_state(conversation)
    if conversation.assigned_operator_id is not None:
        work.available[conversation.assigned_operator_id] = bool(
            conversation.locked_operator_available  # type: ignore[attr-defined]
        )
    conversation._pending = work  # type: ignore[attr-defined]


def _next_entry(conversation, kind, actor: Actor, data, activity: bool) -> TimelineEntry:
    now = clock.now()
    session = _session_number(conversation, now, activity)
    conversation.last_seq += 1
    if activity:
        conversation.last_activity_at = now
    return TimelineEntry(
        account_id=conversation.account_id,
        conversation=conversation,
        seq=conversation.last_seq,
        kind=kind,
        actor_kind=actor.kind,
        actor_id=actor.public_id,
        actor_name=actor.display_name[:200],
        at=now,
        session_number=session,
        data=data or {},
    )


def _session_number(conversation: Conversation, now, activity: bool) -> int:
    """The session an entry at ``now`` belongs to; activity after the widget's timeout of
    silence starts the next one."""
    if not activity:
        return conversation.session_number or 1
    timeout = timedelta(minutes=conversation.widget.conversation_timeout_minutes)
    last = conversation.session_activity_at
    if conversation.session_number == 0 or last is None or now - last > timeout:
        _start_session(conversation)
    conversation.session_activity_at = now
    return conversation.session_number


def _start_session(conversation: Conversation) -> None:
    work = pending(conversation)
    if conversation.session_number and not work.new_session:
        work.closed_session = (conversation.session_number, conversation.session_activity_at)
    conversation.session_number += 1
    conversation.session_live = False
    work.new_session = True
    work.session_became_live = False
    work.session_first_seq = conversation.last_seq + 1
    work.session_started_at = clock.now()


def _flush_session(conversation: Conversation, work: Pending) -> None:
    sessions = ConversationSession.objects.filter(conversation=conversation)
    if work.closed_session is not None:
        number, last_activity = work.closed_session
        sessions.filter(number=number).update(last_activity_at=last_activity)
        work.closed_session = None
    if work.new_session:
        started = work.session_started_at or clock.now()
        ConversationSession.objects.create(
            conversation=conversation,
            number=conversation.session_number,
            first_seq=work.session_first_seq,
            started_at=started,
            last_activity_at=conversation.session_activity_at or started,
            was_live=conversation.session_live,
        )
    elif work.session_became_live:
        sessions.filter(number=conversation.session_number).update(was_live=True)
    work.new_session = work.session_became_live = False
