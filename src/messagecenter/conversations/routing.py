"""Routing (R-RULES Routing, R-INBOX-7) and chat slots (R-OP-2).

Candidates are the available operators of the conversation's group (its assigned group, else the
widget's group, else everyone in the account) with a free slot. A returning contact goes to the
operator who last served them if that operator is a candidate; otherwise the candidate with the
most free slots wins, and ties go to whoever has waited longest since their last assignment.

Per widget (widget editor › Routing): returning contacts keep their operator only with
``sticky_operator``; the backlog is drained only with ``backlog_drain``; with ``max_queue`` a
new chat that finds nobody joins the queue only while it holds fewer than that many chats,
else it goes asynchronous (rule ``queue_full``): it waits for Assign to me, never drained live.

Atomicity: the candidates' operator rows are locked (``FOR UPDATE``, in id order so two routers
never deadlock) before their slots are counted, so two processes routing at once see each
other's LIVE conversations and never fill the same slot twice. On SQLite the IMMEDIATE
transaction serialises writers and gives the same guarantee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.fields.json import KT

from messagecenter.accounts.models import Operator
from messagecenter.accounts.services import available_operators
from messagecenter.contacts.models import ContactConnection
from messagecenter.conversations.models import Conversation, EntryKind, Status, TimelineEntry
from messagecenter.widgets.models import Widget

RULE_RETURNING = "returning_contact"
RULE_MOST_FREE = "most_free_slots"
RULE_LONGEST_IDLE = "longest_idle"
RULE_ONLY = "only_candidate"
RULE_OUT_OF_OFFICE = "out_of_office"
RULE_NO_CANDIDATE = "no_candidate"
RULE_QUEUE_FULL = "queue_full"


@dataclass(frozen=True)
class OutOfOffice:
    """The widget is closed (business hours, a holiday): nobody is routed live. ``behaviour``
    is "message" (the contact gets ``message``), "async" or "hide" (no launcher)."""

    behaviour: str
    message: str = ""


# Apps that know a widget's hours register a check here (administration.hours), so routing
# never imports them; the first check that says "closed" decides.
_closed_checks: list[Callable[[Widget], OutOfOffice | None]] = []


def register_closed_check(check: Callable[[Widget], OutOfOffice | None]) -> None:
    if check not in _closed_checks:
        _closed_checks.append(check)


def out_of_office(widget: Widget) -> OutOfOffice | None:
    """Whether ``widget`` is closed now (and what then); None when open or unknown."""
    for check in _closed_checks:
        if (closed := check(widget)) is not None:
            return closed
    return None


@dataclass(frozen=True)
class Candidate:
    operator: Operator
    free_slots: int


@dataclass(frozen=True)
class Decision:
    winner: Operator | None
    rule: str
    candidates: list[Candidate]
    closed: OutOfOffice | None = None
    # Queue full: how many chats waited and the widget's limit.
    queue: tuple[int, int] | None = None

    def as_data(self) -> dict:
        """Stored on the timeline so an admin can answer "why did this chat go to her?"."""
        data: dict[str, Any] = {
            "winner": self.winner.public_id if self.winner else None,
            "rule": self.rule,
            "candidates": [
                {"operator": c.operator.public_id, "name": c.operator.name, "free": c.free_slots}
                for c in self.candidates
            ],
        }
        if self.closed is not None:
            data["out_of_office"] = self.closed.behaviour
        if self.queue is not None:
            data["queue"] = {"waiting": self.queue[0], "max": self.queue[1]}
        return data


def slots_used(operator: Operator) -> int:
    """Slots used = the operator's LIVE conversations (R-RULES Chat slots)."""
    return Conversation.objects.filter(assigned_operator=operator, is_live=True).count()


def free_slots(operator: Operator) -> int:
    return max(operator.max_slots - slots_used(operator), 0)


def locked_candidates(conversation: Conversation) -> list[Candidate]:
    """Available operators of the conversation's group with a free slot, rows locked."""
    pool = available_operators(conversation.account)
    group = conversation.assigned_group or conversation.widget.operator_group
    if group is not None:
        pool = pool.filter(groups=group)
    ids = list(pool.values_list("pk", flat=True))
    locked = list(Operator.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    live = Count("assigned_conversations", filter=Q(assigned_conversations__is_live=True))
    used = dict(Operator.objects.filter(pk__in=ids).annotate(live=live).values_list("pk", "live"))
    candidates = [Candidate(op, op.max_slots - used.get(op.pk, 0)) for op in locked]
    return [c for c in candidates if c.free_slots > 0]


def decide(
    conversation: Conversation,
    candidates: list[Candidate],
    closed: OutOfOffice | None = None,
    *,
    new_chat: bool = False,
) -> Decision:
    """``new_chat``: a contact starts (or comes back to) a chat, so the widget's queue limit
    applies; a hand-over to a group joins the group's queue whatever its length."""
    if closed is not None:
        return Decision(None, RULE_OUT_OF_OFFICE, [], closed)
    if not candidates:
        return _nobody(conversation) if new_chat else Decision(None, RULE_NO_CANDIDATE, [])
    if len(candidates) == 1:
        return Decision(candidates[0].operator, RULE_ONLY, candidates)
    sticky = conversation.widget.sticky_operator
    returning = _last_operator_of_contact(conversation) if sticky else None
    for candidate in candidates:
        if candidate.operator.pk == returning:
            return Decision(candidate.operator, RULE_RETURNING, candidates)
    most = max(c.free_slots for c in candidates)
    best = [c for c in candidates if c.free_slots == most]
    if len(best) == 1:
        return Decision(best[0].operator, RULE_MOST_FREE, candidates)
    best.sort(key=lambda c: (_idle_key(c.operator.last_assigned_at), c.operator.pk))
    return Decision(best[0].operator, RULE_LONGEST_IDLE, candidates)


def _nobody(conversation: Conversation) -> Decision:
    """Nobody free: the chat joins the widget's queue, unless the queue is full."""
    limit = conversation.widget.max_queue
    if limit:
        waiting = queue_length(conversation.widget, exclude_pk=conversation.pk)
        if waiting >= limit:
            return Decision(None, RULE_QUEUE_FULL, [], queue=(waiting, limit))
    return Decision(None, RULE_NO_CANDIDATE, [])


def queue_length(widget: Widget, *, exclude_pk: int | None = None) -> int:
    """Chats of the widget waiting for a live operator: unassigned, active, their contact
    online, and not gone asynchronous (those wait for Assign to me)."""
    contact_online = ContactConnection.objects.filter(contact_id=OuterRef("contact_id"))
    query = _not_asynchronous(
        Conversation.objects.filter(
            Exists(contact_online), widget=widget, assigned_operator__isnull=True
        ).exclude(status=Status.ENDED)
    )
    if exclude_pk is not None:
        query = query.exclude(pk=exclude_pk)
    return query.count()


def _not_asynchronous(query):
    """Leave out conversations whose latest routing decision sent them asynchronous because
    the queue was full."""
    latest_rule = Subquery(
        TimelineEntry.objects.filter(conversation=OuterRef("pk"), kind=EntryKind.ROUTING_DECISION)
        .order_by("-seq")
        .annotate(rule=KT("data__rule"))
        .values("rule")[:1]
    )
    return query.annotate(latest_rule=latest_rule).filter(
        Q(latest_rule__isnull=True) | ~Q(latest_rule=RULE_QUEUE_FULL)
    )


def _idle_key(last_assigned_at: datetime | None) -> float:
    # Never assigned counts as having waited longest.
    return last_assigned_at.timestamp() if last_assigned_at else float("-inf")


def _last_operator_of_contact(conversation: Conversation) -> int | None:
    return (
        Conversation.objects.filter(contact_id=conversation.contact_id, last_operator__isnull=False)
        .order_by("-last_activity_at")
        .values_list("last_operator_id", flat=True)
        .first()
    )


def backlog_for(operator: Operator, *, exclude_pk: int | None = None):
    """Unassigned active conversations of the operator's groups whose contact is online,
    oldest first (R-RULES Backlog drain). A conversation's group is its assigned group, else
    its widget's group; a widget without a group belongs to everyone."""
    groups = list(operator.groups.values_list("pk", flat=True))
    contact_online = ContactConnection.objects.filter(contact_id=OuterRef("contact_id"))
    in_my_groups = (
        Q(assigned_group__in=groups)
        | Q(assigned_group__isnull=True, widget__operator_group__in=groups)
        | Q(assigned_group__isnull=True, widget__operator_group__isnull=True)
    )
    query = (
        Conversation.objects.filter(
            in_my_groups,
            Exists(contact_online),
            account_id=operator.account_id,
            assigned_operator__isnull=True,
            widget__backlog_drain=True,
        )
        .exclude(status=Status.ENDED)
        .order_by("created_at", "pk")
    )
    if exclude_pk is not None:
        query = query.exclude(pk=exclude_pk)
    return _not_asynchronous(query)


def drainable(conversation: Conversation) -> bool:
    """Outside the widget's business hours nobody is handed a chat live, not even from the
    backlog (an operator who goes Online at 18:05 does not open the office)."""
    return out_of_office(conversation.widget) is None


def can_chat_live(widget: Widget) -> bool:
    """Whether a new chat of the widget would find someone now: open (business hours) and an
    available operator of its group with a free slot. A hint for the messenger (its offline
    form); routing itself decides again, under the lock, when the chat starts."""
    if out_of_office(widget) is not None:
        return False
    pool = available_operators(widget.account)
    if widget.operator_group_id is not None:
        pool = pool.filter(groups=widget.operator_group_id)
    live = Count("assigned_conversations", filter=Q(assigned_conversations__is_live=True))
    return any(op.live < op.max_slots for op in pool.annotate(live=live).only("max_slots"))
