"""LIVE, slots and presence reactions (R-RULES LIVE, Backlog drain).

A conversation is LIVE while it holds a slot of its assigned operator. These functions run
inside a service's transaction, with the conversation row locked by the caller.
"""

from __future__ import annotations

from messagecenter.accounts.models import Operator
from messagecenter.accounts.services import is_available
from messagecenter.contacts.services import is_online
from messagecenter.conversations import timeline
from messagecenter.conversations.models import Conversation, EntryKind, Status, TimelineEntry
from messagecenter.conversations.routing import free_slots
from messagecenter.core.actors import Actor

# Why LIVE ended; stored on the timeline entry.
END_CONTACT_OFFLINE = "contact_offline"
END_OPERATOR_UNAVAILABLE = "operator_unavailable"
END_REASSIGNED = "reassigned"
END_ENDED = "ended"
END_INACTIVE = "inactive"


def both_online(conversation: Conversation) -> bool:
    operator = conversation.assigned_operator
    return operator is not None and is_online(conversation.contact) and is_available(operator)


def evaluate_on_contact_message(conversation: Conversation, actor: Actor) -> list[TimelineEntry]:
    """R-RULES LIVE: the contact wrote in an assigned, active conversation. Returns the new
    entries; sets ``conversation.queued_reason`` when the contact must be told to wait."""
    conversation.queued_reason = None  # type: ignore[attr-defined]
    if conversation.status == Status.ENDED or not both_online(conversation):
        return []
    timeline.mark_session_live(conversation)
    if conversation.is_live:
        return []
    if free_slots(conversation.assigned_operator) > 0:  # type: ignore[arg-type]
        return [set_live(conversation, True, actor, "contact_message")]
    conversation.queued_reason = "no_free_slot"  # type: ignore[attr-defined]
    return []


def set_live(conversation: Conversation, live: bool, actor: Actor, reason: str) -> TimelineEntry:
    conversation.is_live = live
    Conversation.objects.filter(pk=conversation.pk).update(is_live=live)
    if live:
        timeline.mark_session_live(conversation)
    return timeline.append(
        conversation, EntryKind.LIVE_CHANGED, actor, data={"live": live, "reason": reason}
    )


def end_live(conversation: Conversation, actor: Actor, reason: str) -> list[TimelineEntry]:
    """Release the slot, if one is held."""
    if not conversation.is_live:
        return []
    return [set_live(conversation, False, actor, reason)]


def live_conversations_of(operator: Operator):
    return Conversation.objects.filter(assigned_operator=operator, is_live=True)
