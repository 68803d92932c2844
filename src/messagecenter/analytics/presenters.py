"""What the Analytics page shows, as plain rows: each chart is a table first (the accessible
view and the CSV export read the same rows), the chart draws from that table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.accounts.models import Operator
from messagecenter.analytics import queries
from messagecenter.analytics.queries import Filters
from messagecenter.conversations.models import Topic
from messagecenter.widgets.models import TransportKind

WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
HEAT_LEVELS = 5


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    kind: str = "table"  # "lines", "bars" or "table" (no chart)
    # Heat map only: the shade (0..HEAT_LEVELS) of every cell after the first column.
    levels: list[list[int]] | None = None

    @property
    def tbody(self) -> str:
        """The table's rows as escaped HTML: built here, not in a template loop, because a
        90-day table and the 168-cell heat map were most of the page's render time."""
        return format_html_join(
            "\n",
            '<tr><th scope="row">{}</th>{}</tr>',
            ((row[0], self._cells(n, row[1:])) for n, row in enumerate(self.rows)),
        )

    def _cells(self, n: int, values: list[Any]) -> str:
        if not self.levels:
            return format_html_join("", "<td>{}</td>", ((v,) for v in values))
        cell = '<td class="analytics-heat__cell analytics-heat__cell--{}">{}</td>'
        return format_html_join("", cell, zip(self.levels[n], values, strict=True))


def seconds(value: int | None) -> str:
    """A duration for people: 45 s, 4 min 05 s, 2 h 10 min, 3 d 4 h."""
    if value is None:
        return "—"
    if value < 60:
        return _("%(s)d s") % {"s": value}
    if value < 3600:
        return _("%(m)d min %(s)02d s") % {"m": value // 60, "s": value % 60}
    if value < 86400:
        return _("%(h)d h %(m)02d min") % {"h": value // 3600, "m": value % 3600 // 60}
    return _("%(d)d d %(h)d h") % {"d": value // 86400, "h": value % 86400 // 3600}


def charts(filters: Filters) -> dict[str, Chart]:
    found = [
        _by_day(filters),
        _by_hour(filters),
        _heat(filters),
        _ratings(filters),
        _operators(filters),
        _channels(filters),
        _topics(filters),
    ]
    return {chart.key: chart for chart in found}


def chart(filters: Filters, key: str) -> Chart | None:
    builders = {
        "day": _by_day,
        "hour": _by_hour,
        "heat": _heat,
        "ratings": _ratings,
        "operators": _operators,
        "channels": _channels,
        "topics": _topics,
    }
    return builders[key](filters) if key in builders else None


def summary(filters: Filters) -> dict[str, Any]:
    """This period's and the previous period's headline numbers, side by side."""
    now, before = queries.totals(filters), queries.totals(filters.previous(), p90=False)
    cards = [
        (_("New conversations"), now["new"], before["new"], "count", True),
        (_("Ended"), now["ended"], before["ended"], "count", True),
        (_("LIVE share"), now["live_share"], before["live_share"], "percent", True),
        (_("Unanswered"), now["unanswered"], before["unanswered"], "count", False),
        (
            _("Median first response"),
            now["first_response"]["median"],
            before["first_response"]["median"],
            "seconds",
            False,
        ),
        (_("Average rating"), now["rating"], before["rating"], "stars", True),
    ]
    durations = [
        (_("First response time"), now["first_response"], before["first_response"]),
        (_("Reply time"), now["reply"], before["reply"]),
        (_("Resolution time"), now["resolution"], before["resolution"]),
    ]
    return {
        "cards": [_card(*card) for card in cards],
        "durations": [_duration(*row) for row in durations],
        "totals": now,
    }


def feedback(filters: Filters) -> list[dict[str, Any]]:
    items = queries.feedback(filters)
    for item in items:
        stars = item["rating"] or 0
        item["stars"] = "★" * stars + "☆" * (5 - stars)
    return items


def _card(label, value, previous, unit, higher_is_better) -> dict[str, Any]:
    delta = None if value is None or previous is None else value - previous
    trend = ""
    if delta:
        trend = "better" if (delta > 0) == higher_is_better else "worse"
    return {
        "label": label,
        "value": _shown(value, unit),
        "previous": _shown(previous, unit),
        "delta": _shown(abs(delta), unit) if delta else "",
        "direction": "up" if delta and delta > 0 else "down" if delta else "",
        "trend": trend,
        "comparable": delta is not None,
    }


def _shown(value, unit) -> str:
    if value is None:
        return "—"
    if unit == "seconds":
        return seconds(value)
    if unit == "percent":
        return f"{formats.number_format(value, 1)} %"
    if unit == "stars":
        return formats.number_format(value, 2)
    return formats.number_format(value, 0, force_grouping=True)


def _duration(label, now, before) -> dict[str, Any]:
    return {
        "label": label,
        "average": seconds(now["average"]),
        "median": seconds(now["median"]),
        "p90": seconds(now["p90"]),
        "count": now["count"],
        "previous_median": seconds(before["median"]),
    }


def _by_day(filters: Filters) -> Chart:
    rows = [
        [formats.date_format(r["day"], "SHORT_DATE_FORMAT"), r["new"], r["ended"]]
        for r in queries.volume_by_day(filters)
    ]
    return Chart("day", _("Conversations by day"), [_("Day"), _("New"), _("Ended")], rows, "lines")


def _by_hour(filters: Filters) -> Chart:
    rows = [[f"{r['hour']:02d}:00", r["new"]] for r in queries.volume_by_hour(filters)]
    return Chart("hour", _("New conversations by hour of day"), [_("Hour"), _("New")], rows, "bars")


def _heat(filters: Filters) -> Chart:
    cells = queries.heat_map(filters)
    top = max((n for row in cells for n in row), default=0)
    levels = [[_level(n, top) for n in row] for row in cells]
    rows = [[str(WEEKDAYS[d]), *cells[d]] for d in range(7)]
    columns = [_("Weekday"), *(f"{h:02d}" for h in range(24))]
    return Chart("heat", _("New conversations by weekday and hour"), columns, rows, "table", levels)


def _level(n: int, top: int) -> int:
    return 0 if not n or not top else max(1, round(HEAT_LEVELS * n / top))


def _ratings(filters: Filters) -> Chart:
    rows = [[r["stars"], r["count"]] for r in queries.ratings(filters)]
    return Chart("ratings", _("Ratings"), [_("Stars"), _("Conversations")], rows, "bars")


def _dimension_rows(found: list[dict[str, Any]], names: dict) -> list[list[Any]]:
    return [
        [
            names.get(row["key"], _("none") if row["key"] in (None, "") else _("deleted")),
            row["conversations"],
            _percent(row["live_share"]),
            row["unanswered"],
            seconds(row["first_response"]),
            row["messages"] or 0,
            "—" if row["rating"] is None else formats.number_format(row["rating"], 2),
        ]
        for row in found
    ]


def _dimension_columns(first: str) -> list[str]:
    return [
        first,
        _("Conversations"),
        _("LIVE share"),
        _("Unanswered"),
        _("Average first response"),
        _("Operator messages"),
        _("Average rating"),
    ]


def _operators(filters: Filters) -> Chart:
    team = Operator.objects.filter(account_id=filters.account_id)
    found_team = list(team.values_list("pk", "name", "max_slots"))
    operators = {pk: name for pk, name, _s in found_team}
    slots = {pk: max_slots for pk, _n, max_slots in found_team}
    found = queries.by_dimension(filters, "operator_id")
    rows = _dimension_rows(found, operators)
    keys = [r["key"] for r in found]
    time = queries.operator_time(filters)
    for row, key in zip(rows, keys, strict=True):
        spent = time.get(key, {"online": 0, "slots": 0})
        capacity = spent["online"] * (slots.get(key) or 1)
        row += [seconds(spent["online"]), _percent(_ratio(spent["slots"], capacity))]
    columns = [*_dimension_columns(_("Operator")), _("Online time"), _("Slot utilisation")]
    return Chart("operators", _("Per operator"), columns, rows)


def _channels(filters: Filters) -> Chart:
    names = {k: str(v) for k, v in TransportKind.choices}
    rows = _dimension_rows(queries.by_dimension(filters, "channel"), names)
    return Chart("channels", _("Per channel"), _dimension_columns(_("Channel")), rows)


def _topics(filters: Filters) -> Chart:
    names = dict(Topic.objects.filter(account_id=filters.account_id).values_list("pk", "name"))
    rows = _dimension_rows(queries.by_dimension(filters, "topic_id"), names)
    return Chart("topics", _("Per topic"), _dimension_columns(_("Topic")), rows)


def _ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{formats.number_format(value, 1)} %"


def my_day(operator: Any) -> dict[str, str]:
    """Home's "my day", shown: conversations handled, median first response, rating."""
    day = queries.my_day(operator)
    rating = day["rating"]
    return {
        "handled": formats.number_format(day["handled"], 0),
        "first_response_median": seconds(day["first_response_median"]),
        "rating": "—" if rating is None else formats.number_format(rating, 1),
    }
