"""Appending to a conversation's timeline: the one place sequence numbers are handed out.

Callers hold the conversation row locked (``lock``) for the whole transaction, so numbers are
gapless (a rollback returns them) and no two writers ever take the same one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from messagecenter.conversations.models import Conversation, ConversationSession, TimelineEntry
from messagecenter.core import clock
from messagecenter.core.actors import Actor


def lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock (PostgreSQL ``FOR UPDATE``; SQLite's
    IMMEDIATE transaction already serialises writers)."""
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("widget", "connection", "contact", "assigned_operator", "account")
        .get(pk=conversation.pk)
    )
    return locked


def append(
    conversation: Conversation,
    kind: str,
    actor: Actor,
    *,
    data: dict[str, Any] | None = None,
    activity: bool = False,
) -> TimelineEntry:
    """Add the next entry. ``activity`` marks messages, which start a new session after the
    widget's conversation timeout of silence (R-RULES Sessions)."""
    now = clock.now()
    session = _current_session(conversation, now, activity)
    conversation.last_seq += 1
    if activity:
        conversation.last_activity_at = now
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=conversation.last_seq, last_activity_at=conversation.last_activity_at
    )
    return TimelineEntry.objects.create(
        account_id=conversation.account_id,
        conversation=conversation,
        seq=conversation.last_seq,
        kind=kind,
        actor_kind=actor.kind,
        actor_id=actor.public_id,
        actor_name=actor.display_name[:200],
        at=now,
        session_number=session.number if session else 1,
        data=data or {},
    )


def mark_session_live(conversation: Conversation) -> None:
    """The assigned operator and the contact are online together: label the session LIVE.
    Meeting counts as activity, so after a long silence it opens a new session."""
    session = _current_session(conversation, clock.now(), activity=True)
    if session is not None and not session.was_live:
        ConversationSession.objects.filter(pk=session.pk).update(was_live=True)
        session.was_live = True


def _current_session(conversation: Conversation, now, activity: bool) -> ConversationSession | None:
    latest = conversation.sessions.order_by("-number").first()
    if not activity:
        return latest
    timeout = timedelta(minutes=conversation.widget.conversation_timeout_minutes)
    if latest is None or now - latest.last_activity_at > timeout:
        return ConversationSession.objects.create(
            conversation=conversation,
            number=(latest.number + 1) if latest else 1,
            first_seq=conversation.last_seq + 1,
            started_at=now,
            last_activity_at=now,
        )
    ConversationSession.objects.filter(pk=latest.pk).update(last_activity_at=now)
    return latest
