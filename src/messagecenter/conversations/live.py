"""LIVE, slots and presence reactions (R-RULES LIVE, Backlog drain).

A conversation is LIVE while it holds a slot of its assigned operator. These functions run
inside a service's transaction, with the conversation row locked by the caller
(``timeline.lock``), which also read the presence they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

# Why the contact is told the reply comes later (event ``messenger.queued``).
QUEUED_NO_OPERATOR = "no_operator_available"
QUEUED_NO_FREE_SLOT = "no_free_slot"
# Outside the widget's business hours (administration.hours via routing.out_of_office).
QUEUED_OUT_OF_OFFICE = "out_of_office"
# The widget's queue was full: the chat went asynchronous (routing.RULE_QUEUE_FULL).
QUEUED_QUEUE_FULL = "queue_full"


@dataclass
class LiveOutcome:
    """What a contact message did to LIVE: new entries, and whether the contact must be told
    that nobody can chat live now (``queued_reason``)."""

    entries: list[TimelineEntry] = field(default_factory=list)
    queued_reason: str | None = None


def both_online(conversation: Conversation) -> bool:
    operator = conversation.assigned_operator
    return (
        operator is not None
        and contact_online(conversation)
        and operator_available(conversation, operator)
    )


def contact_online(conversation: Conversation) -> bool:
    work = timeline.pending(conversation)
    if work.contact_online is None:
        work.contact_online = is_online(conversation.contact)
    return work.contact_online


def operator_available(conversation: Conversation, operator: Operator) -> bool:
    """Read once per write (the lock read it for the assigned operator already)."""
    known = timeline.pending(conversation).available
    if operator.pk not in known:
        known[operator.pk] = is_available(operator)
    return known[operator.pk]


def note_available(conversation: Conversation, operator: Operator) -> None:
    """Routing picked ``operator`` among available operators: no need to ask again."""
    timeline.pending(conversation).available[operator.pk] = True


def evaluate_on_contact_message(conversation: Conversation, actor: Actor) -> LiveOutcome:
    """R-RULES LIVE: the contact wrote in an assigned, active conversation."""
    if conversation.status == Status.ENDED or not both_online(conversation):
        return LiveOutcome()
    timeline.mark_session_live(conversation)
    if conversation.is_live:
        return LiveOutcome()
    if free_slots(conversation.assigned_operator) > 0:  # type: ignore[arg-type]
        return LiveOutcome([set_live(conversation, True, actor, "contact_message")])
    return LiveOutcome(queued_reason=QUEUED_NO_FREE_SLOT)


def set_live(conversation: Conversation, live: bool, actor: Actor, reason: str) -> TimelineEntry:
    conversation.is_live = live
    if live:
        timeline.mark_session_live(conversation)
    return timeline.stage(
        conversation, EntryKind.LIVE_CHANGED, actor, data={"live": live, "reason": reason}
    )


def end_live(conversation: Conversation, actor: Actor, reason: str) -> list[TimelineEntry]:
    """Release the slot, if one is held."""
    if not conversation.is_live:
        return []
    return [set_live(conversation, False, actor, reason)]


def live_conversations_of(operator: Operator):
    return Conversation.objects.filter(assigned_operator=operator, is_live=True)
