"""A conversation's timeline folded into its metric row: the definitions of docs/metrics.md.

The same function serves the incremental path (the outbox job folds the entries after the
row's ``last_seq``) and the full recomputation (every entry from a fresh row), so the two can
only disagree when an entry was missed or counted twice — which is what ``verify`` checks.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from messagecenter.analytics import business
from messagecenter.analytics.models import ConversationMetric

# Compared by ``verify``: every column the fold writes.
FOLDED_FIELDS = (
    "channel",
    "widget_id",
    "topic_id",
    "group_id",
    "operator_id",
    "last_seq",
    "status",
    "started_at",
    "local_day",
    "local_hour",
    "local_weekday",
    "first_contact_at",
    "first_response_at",
    "first_response_seconds",
    "owed_since",
    "reply_count",
    "reply_seconds_total",
    "reply_seconds_mean",
    "first_response_business_seconds",
    "reply_business_total",
    "reply_business_mean",
    "contact_messages",
    "operator_messages",
    "ended_at",
    "ended_local_day",
    "resolution_seconds",
    "resolution_business_seconds",
    "reopened",
    "was_live",
    "live_since",
    "rating",
    "rated_at",
    "rated_local_day",
    "has_feedback",
)


@dataclass(frozen=True)
class Entry:
    """What the fold needs of a timeline entry (``author`` for messages only)."""

    seq: int
    kind: str
    at: datetime
    data: dict[str, Any]
    author: str | None = None


@dataclass(frozen=True)
class LiveChange:
    """A slot taken (``live``) or freed at ``at``: the slot intervals' input."""

    live: bool
    at: datetime


def new_row(conversation: Any) -> ConversationMetric:
    return ConversationMetric(
        account_id=conversation.account_id, conversation_key=conversation.public_id
    )


def fold(
    row: ConversationMetric,
    entries: list[Entry],
    zone: zoneinfo.ZoneInfo,
    hours: business.Hours | None = None,
) -> list[LiveChange]:
    """Apply ``entries`` (in seq order, all after ``row.last_seq``) to ``row``; ``hours``: the
    widget's business hours (None: always open)."""
    changes: list[LiveChange] = []
    for entry in entries:
        if entry.seq <= row.last_seq:
            continue  # already counted
        if row.last_seq == 0:
            _start(row, entry.at, zone)
        change = _apply(row, entry, zone, hours)
        if change is not None:
            changes.append(change)
        row.last_seq = entry.seq
    return changes


def set_dimensions(row: ConversationMetric, conversation: Any) -> None:
    row.channel = conversation.connection.kind
    row.widget_id = conversation.widget_id
    row.topic_id = conversation.topic_id
    row.group_id = conversation.assigned_group_id
    row.operator_id = conversation.assigned_operator_id


def local_day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _start(row: ConversationMetric, at: datetime, zone: zoneinfo.ZoneInfo) -> None:
    local = at.astimezone(zone)
    row.started_at = at
    row.local_day, row.local_hour, row.local_weekday = local.date(), local.hour, local.weekday()


def _apply(
    row: ConversationMetric, entry: Entry, zone: zoneinfo.ZoneInfo, hours: business.Hours | None
) -> LiveChange | None:
    if entry.kind == "message" and entry.author == "contact":
        _contact_message(row, entry.at)
    elif entry.kind == "message" and entry.author == "operator":
        _operator_response(row, entry.at, hours)
    elif entry.kind == "status_changed":
        _status_changed(row, entry, zone, hours)
    elif entry.kind == "live_changed":
        return _live_changed(row, entry)
    elif entry.kind == "rating" and entry.data.get("state") == "rated":
        row.rating, row.rated_at = entry.data.get("rating"), entry.at
        row.rated_local_day = local_day(entry.at, zone)
        row.has_feedback = bool(entry.data.get("feedback"))
    # Notes, bot and system messages, assignments, commands…: no metric moves.
    return None


def _contact_message(row: ConversationMetric, at: datetime) -> None:
    row.contact_messages += 1
    if row.first_contact_at is None:
        row.first_contact_at = at
    if row.owed_since is None:  # a run of contact messages opens one debt, from the first
        row.owed_since = at


def _operator_response(row: ConversationMetric, at: datetime, hours: business.Hours | None) -> None:
    row.operator_messages += 1
    if row.owed_since is None:
        return  # nothing owed: a follow-up, not a reply
    row.reply_count += 1
    row.reply_seconds_total += _seconds(row.owed_since, at)
    row.reply_seconds_mean = round(row.reply_seconds_total / row.reply_count)
    row.reply_business_total += business.seconds(hours, row.owed_since, at)
    row.reply_business_mean = round(row.reply_business_total / row.reply_count)
    row.owed_since = None
    if row.first_response_at is None:
        row.first_response_at = at
        row.first_response_seconds = _seconds(row.first_contact_at, at)
        row.first_response_business_seconds = business.seconds(hours, row.first_contact_at, at)


def _status_changed(
    row: ConversationMetric, entry: Entry, zone: zoneinfo.ZoneInfo, hours: business.Hours | None
) -> None:
    old, new = entry.data.get("from"), entry.data.get("to")
    row.status = new or row.status
    if new == "ended":
        row.ended_at, row.ended_local_day = entry.at, local_day(entry.at, zone)
        row.resolution_seconds = _seconds(row.started_at, entry.at)
        row.resolution_business_seconds = business.seconds(hours, row.started_at, entry.at)
    elif old == "ended":
        row.reopened += 1
        row.ended_at = row.ended_local_day = None
        row.resolution_seconds = row.resolution_business_seconds = None


def _live_changed(row: ConversationMetric, entry: Entry) -> LiveChange | None:
    live = bool(entry.data.get("live"))
    if live == (row.live_since is not None):
        return None
    row.live_since = entry.at if live else None
    row.was_live = row.was_live or live
    return LiveChange(live, entry.at)


def _seconds(start: datetime | None, end: datetime) -> int:
    return 0 if start is None else max(0, round((end - start).total_seconds()))
