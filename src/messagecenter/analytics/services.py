"""The only writers of analytics rows: the outbox handler, the presence intervals and the
full recomputation (docs/metrics.md)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from messagecenter.analytics import business, fold, rollups
from messagecenter.analytics.events import PRESENCE_TOPIC
from messagecenter.analytics.models import ConversationMetric, PresenceInterval, SlotInterval
from messagecenter.conversations.models import Conversation, TimelineEntry
from messagecenter.core import clock

RECOMPUTE_BATCH = 500


def record_from_event(event: dict[str, Any]) -> None:
    """The outbox handler (inside the consume transaction): quick, database only."""
    if event.get("type") == PRESENCE_TOPIC:
        record_presence(event["operator"], event["presence"], parse_datetime(event["at"]))
    else:
        record_conversation(event["conversation"], event.get("seq", 0))


def record_conversation(public_id: str, seq: int) -> None:
    """Fold the entries of the conversation after its row's ``last_seq`` (all that have
    committed, so one event catches up on any before it) and keep its slot intervals."""
    conversation = _conversation(Conversation.objects.filter(public_id=public_id))
    if conversation is None:
        return  # erased since: its row, if any, keeps the numbers it had
    row = ConversationMetric.objects.filter(conversation_key=public_id).first()
    if row is not None and seq and seq <= row.last_seq:
        return
    before = rollups.contribution(row)
    row = row or fold.new_row(conversation)
    entries = list(_entries(conversation, after=row.last_seq))
    changes = fold.fold(row, entries, _zone(conversation), _hours(conversation.widget_id))
    fold.set_dimensions(row, conversation)
    row.save()
    # The day totals follow the row in the same transaction (and bump the page's version).
    rollups.apply(row.account_id, rollups.difference(before, rollups.contribution(row)))
    _record_slots(conversation, changes)


def record_presence(operator_id: int, presence: str, at: datetime | None) -> None:
    """Online opens an interval (unless one is open), Away closes the open one; ``at`` None:
    now."""
    from messagecenter.accounts.models import Operator

    at = at or clock.now()

    account_id = Operator.objects.filter(pk=operator_id).values_list("account_id", flat=True)
    open_ = PresenceInterval.objects.filter(operator_id=operator_id, ended_at__isnull=True)
    if presence == "online" and not open_.exists() and account_id:
        PresenceInterval.objects.create(
            account_id=account_id[0], operator_id=operator_id, started_at=at
        )
    elif presence != "online":
        open_.update(ended_at=at)
    if account_id:
        rollups.bump(account_id[0])


def _record_slots(conversation: Conversation, changes: list[fold.LiveChange]) -> None:
    for change in changes:
        if change.live:
            SlotInterval.objects.create(
                account_id=conversation.account_id,
                operator_id=conversation.assigned_operator_id,
                conversation_key=conversation.public_id,
                started_at=change.at,
            )
        else:
            SlotInterval.objects.filter(
                conversation_key=conversation.public_id, ended_at__isnull=True
            ).update(ended_at=change.at)


# --- full recomputation -------------------------------------------------------------------


@dataclass
class Difference:
    conversation_key: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name: (stored, computed)


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    # Daily roll-ups whose counters differ from a recount of the metric rows:
    # ((slice, part, day), stored, recounted), only the non-zero counters.
    rollups_checked: int = 0
    rollup_differences: list[tuple[Any, dict, dict]] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.missing and not self.differences and not self.rollup_differences


def recompute(account_id: int | None = None) -> Iterator[ConversationMetric]:
    """Every existing conversation's row, folded from scratch (not saved)."""
    conversations = Conversation.objects.order_by("pk")
    if account_id is not None:
        conversations = conversations.filter(account_id=account_id)
    last_pk = 0
    while True:
        batch = list(_with_dimensions(conversations.filter(pk__gt=last_pk))[:RECOMPUTE_BATCH])
        if not batch:
            return
        by_conversation = _entries_of(batch)
        hours = _hours_of({c.widget_id for c in batch})
        for conversation in batch:
            row = fold.new_row(conversation)
            entries = by_conversation.get(conversation.pk, [])
            fold.fold(row, entries, _zone(conversation), hours.get(conversation.widget_id))
            fold.set_dimensions(row, conversation)
            yield row
        last_pk = batch[-1].pk


def verify(
    account_id: int | None = None, *, fix: bool = False, check_rollups: bool = True
) -> Verification:
    """Compare the stored rows with a full recomputation; ``fix`` writes the computed ones.
    Rows of conversations that no longer exist are history, not compared. Then (unless
    ``check_rollups`` is off) the roll-ups against a recount of the metric rows."""
    result = Verification()
    accounts: set[int] = set()
    for computed in recompute(account_id):
        accounts.add(computed.account_id)
        result.checked += 1
        stored = ConversationMetric.objects.filter(
            conversation_key=computed.conversation_key
        ).first()
        if stored is None:
            result.missing.append(computed.conversation_key)
        else:
            difference = _compare(stored, computed)
            if difference.fields:
                result.differences.append(difference)
        if fix and (stored is None or _compare(stored, computed).fields):
            _replace(stored, computed)
    if check_rollups:
        _verify_rollups(result, accounts if account_id is None else {account_id}, fix=fix)
    return result


def _verify_rollups(result: Verification, accounts: set[int], *, fix: bool) -> None:
    """Recount the day totals from the (by now verified) metric rows, the second half of the
    chain timeline -> metric row -> roll-up; rows of erased conversations count too."""
    if not accounts:
        accounts = set(rollups.accounts_with_metrics())
    for account in sorted(accounts):
        differences = rollups.compare(account)
        result.rollups_checked += 1
        result.rollup_differences.extend(differences)
        if fix and differences:
            rollups.rebuild(account)


def _compare(stored: ConversationMetric, computed: ConversationMetric) -> Difference:
    difference = Difference(computed.conversation_key)
    for name in fold.FOLDED_FIELDS:
        a, b = getattr(stored, name), getattr(computed, name)
        if a != b:
            difference.fields[name] = (a, b)
    return difference


def _replace(stored: ConversationMetric | None, computed: ConversationMetric) -> None:
    with transaction.atomic():
        if stored is not None:
            computed.pk = stored.pk
        computed.save()
        change = rollups.difference(rollups.contribution(stored), rollups.contribution(computed))
        rollups.apply(computed.account_id, change)


# --- reading the timeline -----------------------------------------------------------------


def _with_dimensions(conversations):
    return conversations.select_related("connection", "account").only(
        "public_id",
        "account__time_zone",
        "connection__kind",
        "widget_id",
        "topic_id",
        "assigned_group_id",
        "assigned_operator_id",
    )


def _conversation(conversations) -> Conversation | None:
    return _with_dimensions(conversations).first()


def _entries(conversation: Conversation, *, after: int) -> Iterator[fold.Entry]:
    rows = TimelineEntry.objects.filter(conversation=conversation, seq__gt=after).order_by("seq")
    for row in rows.values_list("seq", "kind", "at", "data", "message__author_kind"):
        yield fold.Entry(*row)


def _entries_of(conversations: list[Conversation]) -> dict[int, list[fold.Entry]]:
    found: dict[int, list[fold.Entry]] = {}
    rows = TimelineEntry.objects.filter(conversation__in=conversations).order_by(
        "conversation_id", "seq"
    )
    columns = ("conversation_id", "seq", "kind", "at", "data", "message__author_kind")
    for conversation_id, *entry in rows.values_list(*columns):
        found.setdefault(conversation_id, []).append(fold.Entry(*entry))
    return found


def _hours(widget_id: int | None) -> business.Hours | None:
    return _hours_of({widget_id}).get(widget_id) if widget_id else None


def _hours_of(widget_ids: set[int | None]) -> dict[int, business.Hours | None]:
    """The widgets' business hours as they are now (docs/metrics.md Time)."""
    from messagecenter.administration.models import BusinessHours

    known = [widget_id for widget_id in widget_ids if widget_id is not None]
    found = BusinessHours.objects.filter(widget_id__in=known, enabled=True)
    return {hours.widget_id: business.Hours.of(hours) for hours in found}


_zones: dict[str, zoneinfo.ZoneInfo] = {}


def _zone(conversation: Conversation) -> zoneinfo.ZoneInfo:
    name = conversation.account.time_zone or "UTC"
    if name not in _zones:
        try:
            _zones[name] = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            _zones[name] = zoneinfo.ZoneInfo("UTC")
    return _zones[name]
