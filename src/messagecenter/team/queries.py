"""Read-only queries of the team pages, each a fixed number of SQL statements whatever the
team size (the page tests pin the counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.models import Account, Operator, OperatorConnection, OperatorGroup
from messagecenter.accounts.services import available_operators
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core import clock
from messagecenter.notifications.models import Notification

ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)

# Presence as colleagues see it. "available" is the routing definition (Online and connected);
# an operator who chose Online but has no tab open is offline to everyone else.
AVAILABLE, AWAY, OFFLINE = "available", "away", "offline"
STATE_LABELS = {AVAILABLE: _("Online"), AWAY: _("Away"), OFFLINE: _("Offline")}
STATE_ORDER = {AVAILABLE: 0, AWAY: 1, OFFLINE: 2}


@dataclass
class OperatorRow:
    operator: Operator
    state: str
    slots_used: int
    open_conversations: int

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def slots_percent(self) -> int:
        if self.operator.max_slots == 0:
            return 100 if self.slots_used else 0
        return min(100, round(100 * self.slots_used / self.operator.max_slots))

    @property
    def is_full(self) -> bool:
        return self.slots_used >= self.operator.max_slots


@dataclass
class GroupBlock:
    name: str
    group: OperatorGroup | None
    rows: list[OperatorRow] = field(default_factory=list)

    @property
    def available_count(self) -> int:
        return sum(1 for row in self.rows if row.state == AVAILABLE)


@dataclass
class Board:
    groups: list[GroupBlock]
    operators: list[OperatorRow]
    unassigned: int

    @property
    def available_count(self) -> int:
        return sum(1 for row in self.operators if row.state == AVAILABLE)

    @property
    def free_slots(self) -> int:
        """Free slots of available operators: how many more live chats the team can take."""
        return sum(
            max(row.operator.max_slots - row.slots_used, 0)
            for row in self.operators
            if row.state == AVAILABLE
        )

    @property
    def open_conversations(self) -> int:
        return sum(row.open_conversations for row in self.operators)


def operators_board(account: Account) -> Board:
    """Who is online and how busy, by operator group (R-OP-3). Four queries."""
    rows = [_row(operator) for operator in _operators_with_load(account)]
    rows.sort(key=lambda r: (STATE_ORDER[r.state], r.operator.name.casefold()))
    groups = list(OperatorGroup.objects.for_account(account).order_by("name"))
    blocks = {group.pk: GroupBlock(group.name, group) for group in groups}
    loners = GroupBlock(str(_("Not in a group")), None)
    for row in rows:
        member_of = [blocks[g.pk] for g in row.operator.groups.all() if g.pk in blocks]
        for block in member_of or [loners]:
            block.rows.append(row)
    ordered = list(blocks.values()) + ([loners] if loners.rows else [])
    unassigned = Conversation.objects.filter(
        account=account, assigned_operator=None, status__in=ACTIVE_STATUSES
    ).count()
    return Board(ordered, rows, unassigned)


def _operators_with_load(account: Account) -> QuerySet[Operator]:
    live = Q(assigned_conversations__is_live=True)
    active = Q(assigned_conversations__status__in=ACTIVE_STATUSES)
    grace_start = clock.now() - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)
    tabs = OperatorConnection.objects.filter(operator=OuterRef("pk"))
    return (
        Operator.objects.filter(account=account, is_active=True)
        .annotate(
            is_available=Exists(available_operators(account).filter(pk=OuterRef("pk"))),
            has_tab=Exists(tabs) | Q(disconnected_at__gte=grace_start),
            slots_used=Count("assigned_conversations", filter=live),
            open_conversations=Count("assigned_conversations", filter=active),
        )
        .prefetch_related("groups")
    )


def _row(operator) -> OperatorRow:
    if operator.is_available:
        state = AVAILABLE
    elif operator.has_tab:
        state = AWAY
    else:
        state = OFFLINE
    return OperatorRow(operator, state, operator.slots_used, operator.open_conversations)


# --- notifications ---------------------------------------------------------------------------

NOTIFICATIONS_PAGE = 30


@dataclass
class NotificationPage:
    rows: list[Notification]
    next_cursor: str | None
    actor_names: dict[str, str]


def notification_page(operator: Operator, before: str | None = None) -> NotificationPage:
    """One page of my notifications, newest first, keyset-paginated by (created_at, id)."""
    query = _notifications(operator)
    cursor = _cursor(operator, before)
    if cursor is not None:
        created_at, pk = cursor
        query = query.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(query[: NOTIFICATIONS_PAGE + 1])
    next_cursor = rows[NOTIFICATIONS_PAGE - 1].public_id if len(rows) > NOTIFICATIONS_PAGE else None
    rows = rows[:NOTIFICATIONS_PAGE]
    return NotificationPage(rows, next_cursor, operator_names(operator.account, rows))


def notification_for(operator: Operator, public_id: str) -> Notification | None:
    return _notifications(operator).filter(public_id=public_id).first()


def operator_names(account: Account, rows: list[Notification]) -> dict[str, str]:
    """Names of the operators who acted, looked up from the ids the rows hold (one query)."""
    ids = {row.actor_id for row in rows if row.actor_kind == "operator" and row.actor_id}
    if not ids:
        return {}
    named = Operator.objects.filter(account=account, public_id__in=ids)
    return dict(named.values_list("public_id", "name"))


def _notifications(operator: Operator) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(operator=operator)
        .select_related("conversation__contact")
        .order_by("-created_at", "-pk")
    )


def _cursor(operator: Operator, before: str | None):
    if not before:
        return None
    row = (
        Notification.objects.filter(operator=operator, public_id=before)
        .values_list("created_at", "pk")
        .first()
    )
    return row
