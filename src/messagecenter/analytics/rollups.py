"""Daily roll-ups: the additive numbers of the metric rows, per account, local day and slice
(``DailyRollup``, docs/metrics.md "Where the numbers come from").

Kept by *difference*: when the outbox handler rewrites a conversation's metric row, it
subtracts what the old row contributed and adds what the new one does, in the handler's
transaction, with one multi-row upsert. A changed dimension (another operator, topic…) moves
the conversation's counts from the old slices to the new ones; an end moves its ended count
to the new end's day. ``expected`` adds the same numbers up again with SQL aggregates straight
from the metric rows (a second, independent way), which is what ``verify`` compares.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connections, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from messagecenter.analytics.models import (
    COUNTERS,
    ENDED_COUNTERS,
    RATED_COUNTERS,
    STARTED_COUNTERS,
    AnalyticsVersion,
    ConversationMetric,
    DailyRollup,
)

# Slice letter -> metric row column. The breakdowns the page shows are operator, channel, topic.
DIMENSIONS = {
    "o": "operator_id",
    "g": "group_id",
    "t": "topic_id",
    "c": "channel",
    "w": "widget_id",
}
BREAKDOWNS = ("o", "c", "t")
NONE = "-"

Key = tuple[str, str, date]  # slice, part, local day
Counts = dict[str, int]


def value(raw: Any) -> str:
    """A dimension's value as stored in a slice: ``-`` for none."""
    return NONE if raw in (None, "") else str(raw)


def slices(dims: dict[str, Any]) -> list[tuple[str, str]]:
    """The (slice, part) pairs a conversation with these dimension values counts in: the
    whole account, each dimension's value, and each value broken down by another dimension."""
    values = {letter: value(dims[column]) for letter, column in DIMENSIONS.items()}
    found = [("", "")]
    for letter, shown in values.items():
        own = f"{letter}:{shown}"
        found.append((own, ""))
        found.extend((own, f"{b}:{values[b]}") for b in BREAKDOWNS if b != letter)
    return found


def contribution(row: ConversationMetric | None) -> dict[Key, Counts]:
    """What one metric row adds to the roll-ups (nothing for no row)."""
    if row is None or row.local_day is None:
        return {}
    days: dict[date, Counts] = defaultdict(dict)
    started = days[row.local_day]
    answered = row.first_response_seconds is not None
    started.update(
        new=1,
        live=int(row.was_live),
        unanswered=int(row.contact_messages > 0 and row.first_response_at is None),
        contact_messages=row.contact_messages,
        operator_messages=row.operator_messages,
        reopened=row.reopened,
        first_n=int(answered),
        first_sum=row.first_response_seconds or 0,
        first_business_sum=row.first_response_business_seconds or 0,
        reply_n=int(row.reply_seconds_mean is not None),
        replies=row.reply_count,
        reply_sum=row.reply_seconds_total,
        reply_business_sum=row.reply_business_total,
        rated_n=int(row.rating is not None),
        rating_sum=row.rating or 0,
        **{f"hour_{row.local_hour:02d}": 1},
    )
    if row.ended_local_day is not None:
        ended = days[row.ended_local_day]
        ended["ended"] = 1
        ended["resolution_n"] = int(row.resolution_seconds is not None)
        ended["resolution_sum"] = row.resolution_seconds or 0
        ended["resolution_business_sum"] = row.resolution_business_seconds or 0
    if row.rating is not None and row.rated_local_day is not None:
        days[row.rated_local_day][f"stars_{row.rating}"] = 1
    dims = {column: getattr(row, column) for column in DIMENSIONS.values()}
    return {
        (slice_, part, day): counts for slice_, part in slices(dims) for day, counts in days.items()
    }


def difference(before: dict[Key, Counts], after: dict[Key, Counts]) -> dict[Key, Counts]:
    """``after - before``, without the keys and counters that do not change."""
    found: dict[Key, Counts] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        delta = {c: new.get(c, 0) - old.get(c, 0) for c in old.keys() | new.keys()}
        delta = {c: n for c, n in delta.items() if n}
        if delta:
            found[key] = delta
    return found


def apply(account_id: int, delta: dict[Key, Counts]) -> None:
    """Add ``delta`` to the stored roll-ups in ONE statement (insert or add on conflict) and
    bump the account's analytics version. Call inside the writer's transaction."""
    if delta:
        changed = sorted({c for counts in delta.values() for c in counts})
        table = DailyRollup._meta.db_table
        # A new row names every counter (0 where this change has none); a stored one adds
        # only the changed counters.
        names = ", ".join(("account_id", "slice", "part", "local_day", *COUNTERS))
        row = "(" + ", ".join(["%s"] * (4 + len(COUNTERS))) + ")"
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in changed)
        params: list[Any] = []
        for (slice_, part, day), counts in sorted(delta.items()):
            params.extend((account_id, slice_, part, day, *(counts.get(c, 0) for c in COUNTERS)))
        # Table and column names come from the model; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(delta))} "  # noqa: S608
            f"ON CONFLICT (account_id, slice, part, local_day) DO UPDATE SET {updates}"
        )
        with connections[DailyRollup.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
    bump(account_id)


def bump(account_id: int) -> None:
    """A new analytics version for the account (the page's cache key). Random, not counted:
    a rolled-back transaction or a restored backup can never make an old number current
    again, and a restored state gets back the version its cached numbers were computed at."""
    table = AnalyticsVersion._meta.db_table
    with connections[AnalyticsVersion.objects.db].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (account_id, version) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (account_id) DO UPDATE SET version = excluded.version",
            [account_id, secrets.randbits(62)],
        )


def version(account_id: int) -> int:
    found = AnalyticsVersion.objects.filter(account_id=account_id).values_list("version")
    return next(iter(found), (0,))[0]


# --- recounting from the metric rows -----------------------------------------------------


def expected(account_id: int) -> dict[Key, Counts]:
    """The roll-ups as SQL aggregates over the account's metric rows compute them: a second
    way to the same numbers (only the non-zero counters)."""
    found: dict[Key, Counts] = defaultdict(dict)
    rows = ConversationMetric.objects.filter(account_id=account_id)
    for group, day_column, aggregates in attributions():
        dated = rows.filter(**{f"{day_column}__isnull": False})
        if group == "rated":
            dated = dated.filter(rating__isnull=False)
        for slice_letters in _families():
            columns = [DIMENSIONS[letter] for letter in slice_letters]
            grouped = dated.values(day_column, *columns).annotate(**aggregates).order_by()
            for result in grouped:
                key = _family_key(slice_letters, result, day_column)
                counts = found[key]
                for counter in aggregates:
                    if result[counter]:
                        counts[counter] = counts.get(counter, 0) + result[counter]
    return {key: counts for key, counts in found.items() if counts}


def _families() -> list[tuple[str, ...]]:
    """Which dimensions each kind of slice groups by: () for the whole account, (x,) for a
    slice, (x, b) for a slice broken down by b."""
    families: list[tuple[str, ...]] = [()]
    for letter in DIMENSIONS:
        families.append((letter,))
        families.extend((letter, b) for b in BREAKDOWNS if b != letter)
    return families


def _family_key(letters: tuple[str, ...], result: dict, day_column: str) -> Key:
    shown = [f"{letter}:{value(result[DIMENSIONS[letter]])}" for letter in letters]
    slice_ = shown[0] if shown else ""
    part = shown[1] if len(shown) > 1 else ""
    return slice_, part, result[day_column]


def attributions() -> list[tuple[str, str, dict[str, Any]]]:
    def total(column: str) -> Coalesce:
        return Coalesce(Sum(column), 0)

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    started: dict[str, Any] = {
        "new": Count("pk"),
        "live": count(Q(was_live=True)),
        "unanswered": count(Q(contact_messages__gt=0, first_response_at__isnull=True)),
        "contact_messages": total("contact_messages"),
        "operator_messages": total("operator_messages"),
        "reopened": total("reopened"),
        "first_n": Count("first_response_seconds"),
        "first_sum": total("first_response_seconds"),
        "first_business_sum": total("first_response_business_seconds"),
        "reply_n": Count("reply_seconds_mean"),
        "replies": total("reply_count"),
        "reply_sum": total("reply_seconds_total"),
        "reply_business_sum": total("reply_business_total"),
        "rated_n": Count("rating"),
        "rating_sum": total("rating"),
    }
    for hour in range(24):
        started[f"hour_{hour:02d}"] = count(Q(local_hour=hour))
    ended = {
        "ended": Count("pk"),
        "resolution_n": Count("resolution_seconds"),
        "resolution_sum": total("resolution_seconds"),
        "resolution_business_sum": total("resolution_business_seconds"),
    }
    rated = {
        f"stars_{stars}": Sum(
            Case(When(rating=stars, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        for stars in range(1, 6)
    }
    assert set(started) == set(STARTED_COUNTERS) and set(ended) == set(ENDED_COUNTERS)
    assert set(rated) == set(RATED_COUNTERS)
    return [
        ("started", "local_day", started),
        ("ended", "ended_local_day", ended),
        ("rated", "rated_local_day", rated),
    ]


def stored(account_id: int) -> dict[Key, Counts]:
    """The stored roll-ups (only the non-zero counters; all-zero rows are no rows)."""
    found: dict[Key, Counts] = {}
    rows = DailyRollup.objects.filter(account_id=account_id)
    for row in rows.values("slice", "part", "local_day", *COUNTERS).iterator(chunk_size=5000):
        counts = {c: row[c] for c in COUNTERS if row[c]}
        if counts:
            found[(row["slice"], row["part"], row["local_day"])] = counts
    return found


def compare(account_id: int) -> list[tuple[Key, Counts, Counts]]:
    """Every roll-up whose stored counters differ from the recount: (key, stored, expected)."""
    have, want = stored(account_id), expected(account_id)
    return [
        (key, have.get(key, {}), want.get(key, {}))
        for key in sorted(have.keys() | want.keys())
        if have.get(key, {}) != want.get(key, {})
    ]


def rebuild(account_id: int) -> int:
    """Replace the account's roll-ups by the recount (after ``verify --fix``, or for rows
    written without the handler). Returns the number of roll-up rows."""
    want = expected(account_id)
    rows = [
        DailyRollup(account_id=account_id, slice=s, part=p, local_day=d, **counts)
        for (s, p, d), counts in want.items()
    ]
    with transaction.atomic():
        DailyRollup.objects.filter(account_id=account_id).delete()
        DailyRollup.objects.bulk_create(rows, batch_size=2000)
        bump(account_id)
    return len(rows)


def accounts_with_metrics() -> Iterable[int]:
    return ConversationMetric.objects.values_list("account_id", flat=True).distinct().order_by()
