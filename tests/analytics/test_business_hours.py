"""Response and resolution times in business hours (docs/metrics.md Time): only the seconds
inside the widget's opening hours count; holidays are closed; no hours: calendar time."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse

from messagecenter.administration import hours
from messagecenter.administration.models import OutOfOffice
from messagecenter.analytics import business
from messagecenter.analytics import services as analytics
from messagecenter.conversations import services
from tests.analytics.conftest import drain, metric

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_5 = {day: [("09:00", "17:00")] for day in range(5)}
FRIDAY_16_BERLIN = 4 * 86400 + 6 * 3600  # from the clock's Monday 2026-03-02 09:00 UTC
MONDAY_0930_FROM_FRIDAY_16 = 2 * 86400 + 17 * 3600 + 1800  # Fri 16:00 -> Mon 09:30 (CET)


def open_9_to_5(widget, actor, holidays=()):
    hours.set_hours(
        widget,
        enabled=True,
        time_zone="Europe/Berlin",
        weekly=WEEKDAYS_9_TO_5,
        holidays=list(holidays),
        out_of_office=OutOfOffice.ASYNC,
        message="",
        actor=actor,
    )


def friday_to_monday(clock, widget, contact, alice, me, *, extra_days=0):
    """A contact writes on Friday 16:00 Berlin; Alice answers at 09:30 on the next working
    day (Monday, or later), ends it half an hour after."""
    clock.shift(FRIDAY_16_BERLIN)
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=me)
    clock.shift(MONDAY_0930_FROM_FRIDAY_16 + extra_days * 86400)
    services.post_operator_message(conversation, "Guten Morgen", actor=me)
    clock.shift(1800)
    conversation.refresh_from_db()
    services.end_conversation(conversation, actor=me)
    return conversation


def start(widget, contact):
    from tests.helpers import start as started

    return started(widget, contact)


def test_a_weekend_does_not_count_in_business_hours(clock, widget, contact, alice, me):
    """GIVEN Mon–Fri 09:00–17:00 Berlin, a contact at Friday 16:00 and the answer on Monday
    09:30 THEN the first response is 235,800 s in calendar time and exactly 5,400 s (Friday
    16–17 and Monday 9–9:30) in business hours; resolved 30 min later: 7,200 s."""
    open_9_to_5(widget, me)
    row = metric(friday_to_monday(clock, widget, contact, alice, me))
    assert (row.first_response_seconds, row.first_response_business_seconds) == (235800, 5400)
    assert (row.reply_seconds_mean, row.reply_business_mean) == (235800, 5400)
    assert (row.resolution_seconds, row.resolution_business_seconds) == (237600, 7200)


def test_a_holiday_is_closed_all_day(clock, widget, contact, alice, me):
    """Monday 2026-03-09 a holiday, the answer on Tuesday 09:30: still 5,400 s."""
    open_9_to_5(widget, me, holidays=[date(2026, 3, 9)])
    row = metric(friday_to_monday(clock, widget, contact, alice, me, extra_days=1))
    assert row.first_response_seconds == 235800 + 86400
    assert row.first_response_business_seconds == 5400


def test_without_business_hours_business_time_is_calendar_time(clock, widget, contact, alice, me):
    row = metric(friday_to_monday(clock, widget, contact, alice, me))
    assert row.first_response_business_seconds == row.first_response_seconds == 235800
    assert row.resolution_business_seconds == 237600


def test_the_recomputation_uses_the_widgets_hours_as_they_are_now(
    clock, account, widget, contact, alice, me
):
    """The recomputation agrees; after the hours change it reports the row, and --fix
    measures it with the new hours (docs/metrics.md)."""
    open_9_to_5(widget, me)
    conversation = friday_to_monday(clock, widget, contact, alice, me)
    assert metric(conversation).first_response_business_seconds == 5400
    assert analytics.verify(account.pk).agrees
    hours.set_hours(
        widget,
        enabled=True,
        time_zone="Europe/Berlin",
        weekly={day: [("08:00", "17:00")] for day in range(5)},
        holidays=[],
        out_of_office=OutOfOffice.ASYNC,
        message="",
        actor=me,
    )
    result = analytics.verify(account.pk, fix=True)
    [difference] = result.differences
    assert difference.fields["first_response_business_seconds"] == (5400, 9000)
    assert metric(conversation).first_response_business_seconds == 9000
    assert analytics.verify(account.pk).agrees  # roll-ups followed the fix


def test_the_page_offers_business_hours(client, clock, widget, contact, alice, me):
    open_9_to_5(widget, me)
    friday_to_monday(clock, widget, contact, alice, me)
    drain()
    client.force_login(alice)
    calendar = client.get(reverse("analytics")).content.decode()
    in_hours = client.get(reverse("analytics"), {"clock": "business"}).content.decode()
    assert "2 d 17 h" in calendar and "1 h 30 min" not in calendar
    assert "1 h 30 min" in in_hours and "2 d 17 h" not in in_hours
    assert "in business hours" in in_hours and "calendar time" in calendar
    assert '<option value="business" selected>' in in_hours


BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def all_day(**changes):
    weekly = {day: ((time(0), None),) for day in range(7)}
    return business.Hours(BERLIN, weekly, frozenset(), **changes)


def test_the_dst_day_has_23_hours():
    """2026-03-29: Berlin's clocks skip 02:00–03:00; that day open 00:00–24:00 is 23 h."""
    day_start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 CET
    day_end = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 24:00 CEST
    assert all_day().seconds(day_start, day_end) == 23 * 3600
    night = business.Hours(BERLIN, {6: ((time(1), time(4)),)}, frozenset())
    assert night.seconds(day_start, day_end) == 2 * 3600  # 01:00–04:00 with 02:00 skipped


def test_a_wait_outside_the_hours_counts_zero():
    closed = business.Hours(BERLIN, {0: ((time(9), time(17)),)}, frozenset())
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    assert closed.seconds(saturday, datetime(2026, 3, 7, 18, 0, tzinfo=UTC)) == 0
    assert business.seconds(None, saturday, datetime(2026, 3, 7, 10, 1, tzinfo=UTC)) == 60
