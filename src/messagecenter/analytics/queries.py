"""Reads for the Analytics page, Home's "my day" and the exports (docs/metrics.md).

Counts, sums and averages come from the daily roll-ups (``rollups``) when at most one filter
is chosen: a period is then a few hundred roll-up rows. With two or more filters they come
from the metric rows (``metrics(filters)``: the caller's account, the period's local days and
the filters), the same numbers by the same definitions. Medians and p90 are nearest-rank over
the metric rows in either case (they do not add up): ``percentile_disc`` on PostgreSQL,
``ORDER BY … LIMIT 1 OFFSET k`` elsewhere, from the covering duration indexes. Each result is
cached under the account's analytics version, so a repeated view costs one key look-up.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import math
import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from messagecenter.analytics import rollups
from messagecenter.analytics.models import (
    COUNTERS,
    ConversationMetric,
    DailyRollup,
    PresenceInterval,
    SlotInterval,
)
from messagecenter.core import clock

# How long a computed view stays in the cache. Never stale: the key holds the account's
# analytics version, which every write bumps; this only bounds the cache's memory.
CACHE_SECONDS = 600


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
    # Durations in the widgets' business hours instead of calendar time (docs/metrics.md).
    business: bool = False

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

    def slices(self) -> list[tuple[str, str]]:
        """The filters in use as roll-up slices: [("o", "12"), ("c", "email")…]."""
        found = []
        for letter, column in rollups.DIMENSIONS.items():
            chosen = getattr(self, column)
            if chosen not in (None, ""):
                found.append((letter, str(chosen)))
        return found

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


# --- the cache ------------------------------------------------------------------------------


_reading: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "analytics_reading", default=None
)


@contextlib.contextmanager
def reading(account_id: int):
    """One view's reads: the account's analytics version is looked up once for all of them."""
    token = _reading.set((account_id, rollups.version(account_id)))
    try:
        yield
    finally:
        _reading.reset(token)


def _version(account_id: int) -> int:
    current = _reading.get()
    if current is not None and current[0] == account_id:
        return current[1]
    return rollups.version(account_id)


def cached(function):
    """Memoise ``function(filters, *args)`` under the account's current analytics version:
    any write to the account's rows replaces it, so a hit is exactly what a recount would
    give. Version 0 (no analytics write since the roll-ups exist, e.g. rows from before an
    upgrade) has nothing to key on: not cached."""

    def wrapper(filters: Filters, *args, **kwargs):
        version = _version(filters.account_id)
        if not version:
            return function(filters, *args, **kwargs)
        digest = hashlib.sha256(repr((filters, args, sorted(kwargs.items()))).encode())
        key = f"analytics:{function.__name__}:{filters.account_id}:{version}:{digest.hexdigest()}"
        found = cache.get(key)
        if found is None:
            found = function(filters, *args, **kwargs)
            cache.set(key, found, CACHE_SECONDS)
        return found

    wrapper.uncached = function  # type: ignore[attr-defined]
    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


# --- numbers ------------------------------------------------------------------------------


def percentile(rows: QuerySet, column: str, q: float, count: int | None = None) -> int | None:
    """Nearest-rank: the ``ceil(q·n)``-th smallest value (docs/metrics.md)."""
    values = rows.filter(**{f"{column}__isnull": False})
    n = values.count() if count is None else count
    return percentiles([(values, column, q, n)])[0] if n else None


def percentiles(wanted: list[tuple[QuerySet, str, float, int]]) -> list[int | None]:
    """Several nearest-rank values (rows, column, q, count of present values) in ONE query.
    PostgreSQL: one ``percentile_disc(ARRAY[…])`` per column (its definition is nearest-rank:
    the first value whose position reaches ``q·n``); elsewhere ``SELECT (… LIMIT 1 OFFSET k),
    (…)`` with the rank computed here."""
    connection = connections[ConversationMetric.objects.db]
    if connection.vendor == "postgresql":
        return _percentiles_disc(connection, wanted)
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
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        for n, value in zip(asked, cursor.fetchone(), strict=True):
            found[n] = value
    return found


def _percentiles_disc(connection, wanted: list[tuple[QuerySet, str, float, int]]) -> list:
    groups: dict[tuple[int, str], list[int]] = {}
    for n, (rows, column, _q, count) in enumerate(wanted):
        if count:
            groups.setdefault((id(rows), column), []).append(n)
    found: list[int | None] = [None] * len(wanted)
    parts: list[str] = []
    params: list[Any] = []
    for (_rows, column), members in groups.items():
        rows = wanted[members[0]][0]
        values = rows.filter(**{f"{column}__isnull": False}).values_list(column).order_by()
        sql, sql_params = values.query.get_compiler(using=values.db).as_sql()
        quantiles = ", ".join(str(float(wanted[n][2])) for n in members)
        # Only compiled SQL and the quantile floats are formatted in; values are parameters.
        parts.append(
            f"(SELECT percentile_disc(ARRAY[{quantiles}]) WITHIN GROUP (ORDER BY v) "  # noqa: S608
            f"FROM ({sql}) AS durations(v))"
        )
        params.extend(sql_params)
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        for members, values in zip(groups.values(), cursor.fetchone(), strict=True):
            for n, value in zip(members, values, strict=True):
                found[n] = None if value is None else int(value)
    return found


def uses_rollups(filters: Filters) -> bool:
    """At most one filter: the roll-ups hold that slice (docs/metrics.md)."""
    return len(filters.slices()) <= 1


def _slice(filters: Filters) -> str:
    chosen = filters.slices()
    return f"{chosen[0][0]}:{chosen[0][1]}" if chosen else ""


def _period_rollups(filters: Filters) -> list[dict[str, Any]]:
    """The roll-up rows of the filter's slice, one per local day of the period that has any."""
    rows = DailyRollup.objects.filter(
        account_id=filters.account_id,
        slice=_slice(filters),
        part="",
        local_day__gte=filters.day_from,
        local_day__lte=filters.day_to,
    )
    return list(rows.values("local_day", *COUNTERS))


def _period_metric_sums(filters: Filters) -> list[dict[str, Any]]:
    """The same per-day numbers as ``_period_rollups``, counted from the metric rows (two or
    more filters): started, ended and rated rows each on their own day."""
    found: dict[date, dict[str, Any]] = {}
    for _group, day_column, aggregates in rollups.attributions():
        rows = metrics(filters, day_column)
        if day_column == "rated_local_day":
            rows = rows.filter(rating__isnull=False)
        for result in rows.values(day_column).annotate(**aggregates).order_by():
            day = result.pop(day_column)
            entry = found.setdefault(day, {"local_day": day, **dict.fromkeys(COUNTERS, 0)})
            for counter, value in result.items():
                entry[counter] += value or 0
    return sorted(found.values(), key=lambda row: row["local_day"])


@cached
def period_days(filters: Filters) -> list[dict[str, Any]]:
    """Every counter per local day of the period (days with nothing left out)."""
    if uses_rollups(filters):
        return _period_rollups(filters)
    return _period_metric_sums(filters)


def _sum(days: list[dict[str, Any]], counter: str) -> int:
    return sum(day[counter] for day in days)


def _columns(filters: Filters) -> tuple[str, str, str]:
    if filters.business:
        return (
            "first_response_business_seconds",
            "reply_business_mean",
            "resolution_business_seconds",
        )
    return "first_response_seconds", "reply_seconds_mean", "resolution_seconds"


@cached
def totals(filters: Filters, *, p90: bool = True) -> dict[str, Any]:
    """The headline numbers of a period (also for the previous one, without p90s): the
    period's day totals, and one query for the medians and p90s."""
    days = period_days(filters)
    business = "_business" if filters.business else ""
    counted: dict[str, Any] = {
        name: _sum(days, counter)
        for name, counter in (
            ("new", "new"),
            ("live", "live"),
            ("unanswered", "unanswered"),
            ("messages", "contact_messages"),
            ("responses", "operator_messages"),
            ("reopened", "reopened"),
            ("ended", "ended"),
            ("replies", "replies"),
        )
    }
    stars = {s: _sum(days, f"stars_{s}") for s in range(1, 6)}
    rated = sum(stars.values())
    counted["live_share"] = _share(counted["live"], counted["new"])
    counted["rating"] = _round(sum(s * n for s, n in stars.items()) / rated, 2) if rated else None
    first_n, reply_n = _sum(days, "first_n"), _sum(days, "reply_n")
    resolution_n = _sum(days, "resolution_n")
    averages = {
        "first_response": _mean(_sum(days, f"first{business}_sum"), first_n),
        # All waits ÷ their number, not a mean of the conversations' means.
        "reply": _mean(_sum(days, f"reply{business}_sum"), counted["replies"]),
        "resolution": _mean(_sum(days, f"resolution{business}_sum"), resolution_n),
    }
    first, reply, resolution = _columns(filters)
    started, ended = metrics(filters), metrics(filters, "ended_local_day")
    durations = [
        ("first_response", started, first, first_n),
        ("reply", started, reply, reply_n),
        ("resolution", ended, resolution, resolution_n),
    ]
    quantiles = (0.5, 0.9) if p90 else (0.5,)
    values = iter(percentiles([(r, c, q, n) for _k, r, c, n in durations for q in quantiles]))
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
    found = {day["local_day"]: day for day in period_days(filters)}
    days = [filters.day_from + timedelta(days=n) for n in range(filters.days)]
    return [
        {
            "day": d,
            "new": found[d]["new"] if d in found else 0,
            "ended": found.get(d, {}).get("ended", 0),
        }
        for d in days
    ]


def volume_by_hour(filters: Filters) -> list[dict[str, Any]]:
    days = period_days(filters)
    return [{"hour": h, "new": _sum(days, f"hour_{h:02d}")} for h in range(24)]


def heat_map(filters: Filters) -> list[list[int]]:
    """7 weekdays (Monday first) × 24 hours of new conversations (local day and hour)."""
    cells = [[0] * 24 for _ in range(7)]
    for day in period_days(filters):
        row = cells[day["local_day"].weekday()]
        for hour in range(24):
            row[hour] += day[f"hour_{hour:02d}"]
    return cells


def ratings(filters: Filters) -> list[dict[str, Any]]:
    days = period_days(filters)
    return [{"stars": s, "count": _sum(days, f"stars_{s}")} for s in range(1, 6)]


def feedback(filters: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """Comments of the period, newest first, read from the conversations (gone with them)."""
    from messagecenter.conversations.models import Conversation

    # The rating's local day is the definition; the rated_at window around the period (two
    # days wider, for any zone) lets the database walk the feedback index newest first
    # instead of sorting the period's rated rows. ``IN`` because a bare boolean term does
    # not match an index column on SQLite.
    start, end = filters.bounds()
    rated = metrics(filters, "rated_local_day").filter(
        has_feedback__in=[True],
        rated_at__gte=start - timedelta(days=2),
        rated_at__lt=end + timedelta(days=2),
    )
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


@cached
def by_dimension(filters: Filters, column: str) -> list[dict[str, Any]]:
    """Per channel, topic or operator: conversations, LIVE, unanswered, average first
    response, operator messages and rating of the conversations started in the period."""
    if uses_rollups(filters):
        return _by_dimension_rollups(filters, column)
    return _by_dimension_metrics(filters, column)


def _by_dimension_metrics(filters: Filters, column: str) -> list[dict[str, Any]]:
    business = "_business" if filters.business else ""
    found = (
        metrics(filters)
        .values(column)
        .annotate(
            conversations=Count("pk"),
            live=Count("pk", filter=Q(was_live=True)),
            unanswered=Count(
                "pk", filter=Q(contact_messages__gt=0, first_response_at__isnull=True)
            ),
            first_response=Avg(f"first_response{business}_seconds"),
            messages=Coalesce(Sum("operator_messages"), 0),
            rating=Avg("rating"),
        )
        .order_by("-conversations", column)
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


def _by_dimension_rollups(filters: Filters, column: str) -> list[dict[str, Any]]:
    letter = next(k for k, v in rollups.DIMENSIONS.items() if v == column)
    rows = DailyRollup.objects.filter(
        account_id=filters.account_id,
        local_day__gte=filters.day_from,
        local_day__lte=filters.day_to,
    )
    chosen = _slice(filters)
    if chosen.startswith(f"{letter}:"):
        rows, group = rows.filter(slice=chosen, part=""), "slice"  # the one chosen value
    elif chosen:
        rows, group = (
            rows.filter(slice=chosen, part__gte=f"{letter}:", part__lt=f"{letter};"),
            "part",
        )
    else:
        rows, group = rows.filter(slice__gte=f"{letter}:", slice__lt=f"{letter};", part=""), "slice"
    business = "_business" if filters.business else ""
    found = (
        rows.values(group)
        .annotate(
            conversations=Sum("new"),
            live=Sum("live"),
            unanswered=Sum("unanswered"),
            first_n=Sum("first_n"),
            first_sum=Sum(f"first{business}_sum"),
            messages=Sum("operator_messages"),
            rated_n=Sum("rated_n"),
            rating_sum=Sum("rating_sum"),
        )
        .filter(conversations__gt=0)
        .order_by("-conversations", group)
    )
    return [
        {
            "key": _dimension_key(column, row[group]),
            "conversations": row["conversations"],
            "live": row["live"],
            "unanswered": row["unanswered"],
            "first_response": _round(_ratio(row["first_sum"], row["first_n"])),
            "messages": row["messages"],
            "rating": _round(_ratio(row["rating_sum"], row["rated_n"]), 2),
            "live_share": _share(row["live"], row["conversations"]),
        }
        for row in found
    ]


def _dimension_key(column: str, shown: str) -> Any:
    """``"o:12"`` -> 12; none -> None ("" for the channel, as the metric rows store it)."""
    raw = shown.split(":", 1)[1]
    if raw == rollups.NONE:
        return "" if column == "channel" else None
    return raw if column == "channel" else int(raw)


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


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(total: int, n: int) -> int | None:
    return round(total / n) if n else None


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: float | None, digits: int = 0) -> Any:
    if value is None:
        return None
    return round(value, digits) if digits else round(value)
