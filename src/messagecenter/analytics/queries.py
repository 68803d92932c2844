"""Reads for the Analytics page, Home's "my day" and the exports (docs/metrics.md).

Every query starts from ``metrics(filters)``: the caller's account, the period's local days
and the filters, on the ``(account, local_day)`` index. Medians and p90 are nearest-rank,
read with ``ORDER BY … LIMIT 1 OFFSET k`` so the database sorts and only one value travels.
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import Avg, Count, Q, QuerySet, Sum

from messagecenter.analytics.models import ConversationMetric, PresenceInterval, SlotInterval
from messagecenter.core import clock


@dataclass(frozen=True)
class Filters:
    account_id: int
    time_zone: str
    day_from: date
    day_to: date
    operator_id: int | None = None
    group_id: int | None = None
    topic_id: int | None = None
    channel: str = ""
    widget_id: int | None = None

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1

    def previous(self) -> Filters:
        """The same number of days right before."""
        return replace(
            self,
            day_from=self.day_from - timedelta(days=self.days),
            day_to=self.day_from - timedelta(days=1),
        )

    def bounds(self) -> tuple[datetime, datetime]:
        zone = zoneinfo.ZoneInfo(self.time_zone)
        start = datetime.combine(self.day_from, time(), zone)
        return start, datetime.combine(self.day_to + timedelta(days=1), time(), zone)


def today(time_zone: str) -> date:
    return clock.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def metrics(filters: Filters, day: str = "local_day") -> QuerySet[ConversationMetric]:
    """The account's rows whose ``day`` column lies in the period, with the filters."""
    rows = ConversationMetric.objects.filter(
        account_id=filters.account_id,
        **{f"{day}__gte": filters.day_from, f"{day}__lte": filters.day_to},
    )
    for column in ("operator_id", "group_id", "topic_id", "widget_id"):
        if getattr(filters, column) is not None:
            rows = rows.filter(**{column: getattr(filters, column)})
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return rows


# --- numbers ------------------------------------------------------------------------------


def percentile(rows: QuerySet, column: str, q: float, count: int | None = None) -> int | None:
    """Nearest-rank: the ``ceil(q·n)``-th smallest value (docs/metrics.md)."""
    values = rows.filter(**{f"{column}__isnull": False})
    n = values.count() if count is None else count
    if not n:
        return None
    rank = max(1, math.ceil(q * n))
    found = values.order_by(column).values_list(column, flat=True)[rank - 1 : rank]
    return next(iter(found), None)


def percentiles(wanted: list[tuple[QuerySet, str, float, int]]) -> list[int | None]:
    """Several nearest-rank values (rows, column, q, count of present values) in ONE query:
    ``SELECT (… LIMIT 1 OFFSET k), (…)``; the page has eight of them per period."""
    parts: list[str] = []
    params: list[Any] = []
    found: list[int | None] = [None] * len(wanted)
    asked: list[int] = []
    for n, (rows, column, q, count) in enumerate(wanted):
        if not count:
            continue
        rank = max(1, math.ceil(q * count))
        values = rows.filter(**{f"{column}__isnull": False}).order_by(column)
        sliced = values.values_list(column, flat=True)[rank - 1 : rank]
        sql, sql_params = sliced.query.get_compiler(using=sliced.db).as_sql()
        parts.append(f"({sql})")
        params.extend(sql_params)
        asked.append(n)
    if not parts:
        return found
    with connections[ConversationMetric.objects.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        for n, value in zip(asked, cursor.fetchone(), strict=True):
            found[n] = value
    return found


def totals(filters: Filters, *, p90: bool = True) -> dict[str, Any]:
    """The headline numbers of a period (also for the previous one, without p90s): one
    aggregate over the started rows, one over the ended, one over the rated, one for the
    medians and p90s."""
    rows = metrics(filters)
    counted = rows.aggregate(
        new=Count("pk"),
        live=Count("pk", filter=Q(was_live=True)),
        unanswered=Count("pk", filter=Q(contact_messages__gt=0, first_response_at__isnull=True)),
        messages=Sum("contact_messages"),
        responses=Sum("operator_messages"),
        reopened=Sum("reopened"),
        first_n=Count("first_response_seconds"),
        first_avg=Avg("first_response_seconds"),
        reply_n=Count("reply_seconds_mean"),
        reply_total=Sum("reply_seconds_total"),
        replies=Sum("reply_count"),
    )
    ended = metrics(filters, "ended_local_day")
    closed = ended.aggregate(
        n=Count("pk"), res_n=Count("resolution_seconds"), res_avg=Avg("resolution_seconds")
    )
    rated = metrics(filters, "rated_local_day").filter(rating__isnull=False)
    counted["ended"] = closed["n"]
    counted["live_share"] = _share(counted["live"], counted["new"])
    counted["rating"] = _round(rated.aggregate(avg=Avg("rating"))["avg"], 2)
    durations = [
        ("first_response", rows, "first_response_seconds", counted["first_n"]),
        ("reply", rows, "reply_seconds_mean", counted["reply_n"]),
        ("resolution", ended, "resolution_seconds", closed["res_n"]),
    ]
    quantiles = (0.5, 0.9) if p90 else (0.5,)
    values = iter(percentiles([(r, c, q, n) for _k, r, c, n in durations for q in quantiles]))
    averages = {
        "first_response": _round(counted["first_avg"]),
        # All waits ÷ their number, not a mean of the conversations' means.
        "reply": _round(counted["reply_total"] / counted["replies"])
        if counted["replies"]
        else None,
        "resolution": _round(closed["res_avg"]),
    }
    for key, _rows, _column, n in durations:
        median = next(values)
        counted[key] = {
            "count": n,
            "average": averages[key],
            "median": median,
            "p90": next(values) if p90 else None,
        }
    return counted


def volume_by_day(filters: Filters) -> list[dict[str, Any]]:
    new = _counts(metrics(filters), "local_day")
    ended = _counts(metrics(filters, "ended_local_day"), "ended_local_day")
    days = [filters.day_from + timedelta(days=n) for n in range(filters.days)]
    return [{"day": d, "new": new.get(d, 0), "ended": ended.get(d, 0)} for d in days]


def volume_by_hour(filters: Filters) -> list[dict[str, Any]]:
    counts = _counts(metrics(filters), "local_hour")
    return [{"hour": h, "new": counts.get(h, 0)} for h in range(24)]


def heat_map(filters: Filters) -> list[list[int]]:
    """7 weekdays (Monday first) × 24 hours of new conversations."""
    cells = [[0] * 24 for _ in range(7)]
    found = metrics(filters).values_list("local_weekday", "local_hour").annotate(n=Count("pk"))
    for weekday, hour, n in found.order_by():
        cells[weekday][hour] = n
    return cells


def ratings(filters: Filters) -> list[dict[str, Any]]:
    rated = metrics(filters, "rated_local_day").filter(rating__isnull=False)
    counts = _counts(rated, "rating")
    return [{"stars": s, "count": counts.get(s, 0)} for s in range(1, 6)]


def feedback(filters: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """Comments of the period, newest first, read from the conversations (gone with them)."""
    from messagecenter.conversations.models import Conversation

    rated = metrics(filters, "rated_local_day").filter(has_feedback=True)
    keys = list(rated.order_by("-rated_at").values_list("conversation_key", "rated_at")[:limit])
    texts = dict(
        Conversation.objects.filter(
            account_id=filters.account_id, public_id__in=[k for k, _at in keys]
        ).values_list("public_id", "feedback")
    )
    found = [
        {"conversation": k, "rated_at": at, "text": texts[k]} for k, at in keys if texts.get(k)
    ]
    ratings_of = dict(
        rated.filter(conversation_key__in=texts).values_list("conversation_key", "rating")
    )
    for item in found:
        item["rating"] = ratings_of.get(item["conversation"])
    return found


def by_dimension(filters: Filters, column: str) -> list[dict[str, Any]]:
    """Per channel, topic or operator: conversations, LIVE, unanswered, average first
    response and messages."""
    found = (
        metrics(filters)
        .values(column)
        .annotate(
            conversations=Count("pk"),
            live=Count("pk", filter=Q(was_live=True)),
            unanswered=Count(
                "pk", filter=Q(contact_messages__gt=0, first_response_at__isnull=True)
            ),
            first_response=Avg("first_response_seconds"),
            messages=Sum("operator_messages"),
            rating=Avg("rating"),
        )
        .order_by("-conversations")
    )
    return [
        {
            **row,
            "key": row[column],
            "first_response": _round(row["first_response"]),
            "rating": _round(row["rating"], 2),
            "live_share": _share(row["live"], row["conversations"]),
        }
        for row in found
    ]


def operator_time(filters: Filters) -> dict[int, dict[str, int]]:
    """Online and slot seconds per operator inside the period (intervals overlapping it)."""
    start, end = filters.bounds()
    now = clock.now()
    found: dict[int, dict[str, int]] = {}
    intervals: tuple[tuple[Any, str], ...] = ((PresenceInterval, "online"), (SlotInterval, "slots"))
    for model, key in intervals:
        rows = model.objects.filter(account_id=filters.account_id, started_at__lt=end).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )
        for operator_id, started, ended in rows.values_list(
            "operator_id", "started_at", "ended_at"
        ):
            seconds = (min(ended or now, end) - max(started, start)).total_seconds()
            entry = found.setdefault(operator_id, {"online": 0, "slots": 0})
            entry[key] += max(0, round(seconds))
    return found


def my_day(operator: Any) -> dict[str, Any]:
    """Home: today for ``operator`` (docs/metrics.md "Home"), in two queries: one aggregate
    over today's started or rated rows, one for the median."""
    zone = operator.account.time_zone or "UTC"
    day = today(zone)
    filters = Filters(operator.account_id, zone, day, day, operator_id=operator.pk)
    started, rated = Q(local_day=day), Q(rated_local_day=day, rating__isnull=False)
    found = (
        ConversationMetric.objects.filter(account_id=operator.account_id, operator_id=operator.pk)
        .filter(started | rated)
        .aggregate(
            handled=Count("pk", filter=started),
            answered=Count("pk", filter=started & Q(first_response_seconds__isnull=False)),
            rating=Avg("rating", filter=rated),
        )
    )
    median = percentile(metrics(filters), "first_response_seconds", 0.5, found["answered"])
    return {
        "handled": found["handled"],
        "first_response_median": median,
        "rating": _round(found["rating"], 1),
    }


def _counts(rows: QuerySet, column: str) -> dict[Any, int]:
    return dict(rows.values_list(column).annotate(n=Count("pk")).order_by())


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: float | None, digits: int = 0) -> Any:
    if value is None:
        return None
    return round(value, digits) if digits else round(value)
