"""Business-hours time: the seconds of a wait that fall inside the widget's opening hours
(Settings › Business hours, ``administration.BusinessHours``), docs/metrics.md "Time".

A widget without business hours (or with them switched off) is always open, so its business
seconds equal the calendar seconds. Holidays are closed all day. Opening spans are wall-clock
times in the hours' own time zone, so a DST change shortens or lengthens that day's span by
the hour the clock skipped or repeated.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Hours:
    """The opening hours a duration is measured against (``None`` in the fold: always open)."""

    zone: zoneinfo.ZoneInfo
    weekly: dict[int, tuple[tuple[time, time | None], ...]]  # None end: 24:00
    holidays: frozenset[date]

    @classmethod
    def of(cls, business_hours) -> Hours | None:
        """From a ``BusinessHours`` row; ``None`` when absent or switched off."""
        if business_hours is None or not business_hours.enabled:
            return None
        try:
            zone = zoneinfo.ZoneInfo(business_hours.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        weekly = {
            day: tuple(
                (_time(start), None if end == "24:00" else _time(end))
                for start, end in (business_hours.weekly or {}).get(str(day), [])
            )
            for day in range(7)
        }
        holidays = frozenset(date.fromisoformat(d) for d in business_hours.holidays or [])
        return cls(zone, weekly, holidays)

    def seconds(self, start: datetime, end: datetime) -> int:
        """Whole seconds of ``[start, end)`` inside the opening spans."""
        if end <= start:
            return 0
        total = 0.0
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self._spans(day):
                total += max(0.0, (min(end, closes) - max(start, opens)).total_seconds())
            day += timedelta(days=1)
        return round(total)

    def _spans(self, day: date):
        if day in self.holidays:
            return
        for opens, closes in self.weekly.get(day.weekday(), ()):
            begin = datetime.combine(day, opens, self.zone)
            finish = (
                datetime.combine(day + timedelta(days=1), time(), self.zone)
                if closes is None
                else datetime.combine(day, closes, self.zone)
            )
            # In UTC: datetimes of one ``ZoneInfo`` subtract as wall-clock times (DST).
            yield begin.astimezone(UTC), finish.astimezone(UTC)


def seconds(hours: Hours | None, start: datetime | None, end: datetime) -> int:
    """Business seconds from ``start`` to ``end``; always open without hours."""
    if start is None:
        return 0
    if hours is None:
        return max(0, round((end - start).total_seconds()))
    return hours.seconds(start, end)


def _time(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time(hour, minute)
