"""Business hours and holidays per widget: outside them routing stores an out-of-office
decision and routes nobody; the widget answers with its message, goes asynchronous, or
hides the messenger's launcher. Driven by the controllable clock (09:00 UTC on Monday
2 March 2026 = 10:00 in Berlin)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from messagecenter.accounts.services import set_presence
from messagecenter.administration import hours
from messagecenter.administration.models import OutOfOffice
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import routing
from messagecenter.conversations.models import EntryKind, Message
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.conftest import as_actor
from tests.helpers import go_online, start

pytestmark = pytest.mark.django_db

URL = "/settings/hours/"
WEEKDAYS_9_TO_5 = {day: [("09:00", "17:00")] for day in range(5)}


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def set_hours(widget, alice, behaviour=OutOfOffice.MESSAGE, holidays=()):
    return hours.set_hours(
        widget,
        enabled=True,
        time_zone="Europe/Berlin",
        weekly=WEEKDAYS_9_TO_5,
        holidays=list(holidays),
        out_of_office=behaviour,
        message="Wir sind ab 9 Uhr wieder da.",
        actor=as_actor(alice),
    )


@pytest.fixture
def online_bob(bob):
    set_presence(bob, "online", actor=as_actor(bob))
    go_online(bob)
    return bob


def decision_of(conversation) -> dict:
    return conversation.timeline.get(kind=EntryKind.ROUTING_DECISION).data


def test_within_hours_routing_is_as_always(clock, widget, account, alice, online_bob):
    set_hours(widget, alice)
    conversation = start(widget, create_contact(account, name="Kim"))
    assert conversation.assigned_operator == online_bob
    assert decision_of(conversation)["rule"] != routing.RULE_OUT_OF_OFFICE


def test_after_hours_nobody_is_routed_and_the_message_is_posted(
    clock, widget, account, alice, online_bob
):
    set_hours(widget, alice)
    clock.shift(timedelta(hours=8))  # 18:00 in Berlin
    conversation = start(widget, create_contact(account, name="Kim"))
    assert conversation.assigned_operator is None
    decision = decision_of(conversation)
    assert decision["rule"] == routing.RULE_OUT_OF_OFFICE and decision["out_of_office"] == "message"
    texts = list(
        Message.objects.filter(conversation=conversation).values_list("author_kind", "body")
    )
    assert ("system", "Wir sind ab 9 Uhr wieder da.") in texts


def test_asynchronous_mode_posts_nothing_and_queues(clock, widget, account, alice, online_bob):
    set_hours(widget, alice, OutOfOffice.ASYNC)
    clock.shift(timedelta(days=5))  # Saturday
    conversation = start(widget, create_contact(account, name="Kim"))
    assert conversation.assigned_operator is None
    assert decision_of(conversation)["out_of_office"] == "async"
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_a_holiday_is_closed_all_day(clock, widget, account, alice, online_bob):
    set_hours(widget, alice, holidays=[date(2026, 3, 2)])
    conversation = start(widget, create_contact(account, name="Kim"))
    assert conversation.assigned_operator is None
    clock.shift(timedelta(days=1))
    assert start(widget, create_contact(account, name="Lea")).assigned_operator == online_bob


def test_hide_the_launcher_outside_hours(clock, widget, alice):
    from messagecenter.transports.webchat.consumer import _widget_config

    set_hours(widget, alice, OutOfOffice.HIDE)
    assert _widget_config(widget)["launcher_hidden"] is False
    clock.shift(timedelta(hours=8))
    assert _widget_config(widget)["launcher_hidden"] is True


def test_hours_switched_off_are_always_open(clock, widget, alice):
    set_hours(widget, alice)
    clock.shift(timedelta(hours=8))
    assert routing.out_of_office(widget) is not None
    hours.set_hours(
        widget, enabled=False, time_zone="UTC", weekly={}, holidays=[],
        out_of_office="async", message="", actor=as_actor(alice),
    )  # fmt: skip
    assert routing.out_of_office(widget) is None


def test_the_page_saves_hours(clock, widget, alice):
    form = {
        "enabled": "on",
        "time_zone": "Europe/Berlin",
        "day_0": "09:00-12:00, 13:00-17:00",
        "holidays": "2026-12-24\n2026-12-25",
        "out_of_office": "message",
        "message": "Bis morgen!",
    }
    answer = signed_in(alice).post(f"{URL}{widget.public_id}/", form)
    assert answer.status_code == 302
    saved = hours.hours_of(widget)
    assert saved.weekly["0"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert saved.weekly["1"] == [] and saved.holidays == ["2026-12-24", "2026-12-25"]
    page = signed_in(alice).get(f"{URL}{widget.public_id}/").content.decode()
    assert "09:00-12:00, 13:00-17:00" in page and "Open now." in page


@pytest.mark.parametrize(
    "change",
    [{"day_2": "17:00-09:00"}, {"day_2": "nine to five"}, {"holidays": "24.12."}, {"message": ""}],
)
def test_bad_hours_are_refused_on_the_form(widget, alice, change):
    form = {"enabled": "on", "time_zone": "UTC", "out_of_office": "message", "message": "x"}
    answer = signed_in(alice).post(f"{URL}{widget.public_id}/", {**form, **change})
    assert answer.status_code == 400
    assert not hours.hours_of(widget).pk


def test_a_teammate_is_refused(widget, bob):
    assert signed_in(bob).get(URL).status_code == 403
    assert signed_in(bob).post(f"{URL}{widget.public_id}/", {}).status_code == 403
    with pytest.raises(PermissionDenied):
        set_hours(widget, bob)


def test_an_outsider_gets_404(widget, charlie):
    assert signed_in(charlie).get(f"{URL}{widget.public_id}/").status_code == 404
    with pytest.raises(NotFound):
        set_hours(widget, charlie)


def test_the_message_is_required_for_the_message_behaviour(widget, alice):
    with pytest.raises(ValidationFailed):
        hours.set_hours(
            widget, enabled=True, time_zone="UTC", weekly={}, holidays=[],
            out_of_office="message", message=" ", actor=as_actor(alice),
        )  # fmt: skip


def test_the_page_speaks_german(widget, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    assert "Geschäftszeiten" in signed_in(alice).get(URL).content.decode()
