"""Every filter of All conversations alone, and combined (R-ARCH-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.conversations.models import Status
from messagecenter.conversations.services import create_topic
from messagecenter.core.actors import Actor
from tests.archive.conftest import select

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(account, alice):
    return create_topic(account, "Rechnung", actor=Actor.for_operator(alice))


@pytest.fixture
def sales(account):
    return accounts.create_group(account, "Sales")


def test_no_filter_selects_every_conversation_of_the_account(account, make, other_account):
    everything = {make().pk, make(status=Status.ENDED).pk}

    assert select(account) == everything
    assert select(other_account) == set()


def test_period_is_the_last_activity(account, make, clock):
    old = make()
    clock.shift(timedelta(days=10))
    recent = make()
    clock.shift(timedelta(days=1))

    assert select(account, period="7d") == {recent.pk}
    assert select(account, period="30d") == {old.pk, recent.pk}
    assert select(account, period="today") == set()
    day = old.last_activity_at.date()
    assert select(account, period="custom", **{"from": str(day), "to": str(day)}) == {old.pk}
    assert select(account, period="custom", **{"from": str(day + timedelta(days=1))}) == {recent.pk}


def test_operator_and_unassigned(account, make, alice, bob):
    alices, bobs, nobodys = make(operator=alice), make(operator=bob), make()

    assert select(account, operator=alice.public_id) == {alices.pk}
    assert select(account, operator=bob.public_id) == {bobs.pk}
    assert select(account, operator="none") == {nobodys.pk}


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.WAITING, Status.ENDED])
def test_each_status(account, make, alice, status):
    made = {s: make(status=s, operator=alice if s != Status.NEW else None) for s in Status.values}

    assert select(account, status=status) == {made[status].pk}


def test_active_means_not_ended(account, make, alice):
    waiting = make(status=Status.WAITING, operator=alice)
    make(status=Status.ENDED, operator=alice)
    new = make()

    assert select(account, status="active") == {waiting.pk, new.pk}


def test_topic_and_no_topic(account, make, topic):
    billed, other = make(topic=topic), make()

    assert select(account, topic=topic.public_id) == {billed.pk}
    assert select(account, topic="none") == {other.pk}


def test_rating_stars_rated_and_unrated(account, make):
    five, two, unrated = make(rating=5), make(rating=2), make()

    assert select(account, rating="5") == {five.pk}
    assert select(account, rating="2") == {two.pk}
    assert select(account, rating="rated") == {five.pk, two.pk}
    assert select(account, rating="unrated") == {unrated.pk}


def test_group_and_no_group(account, make, sales, support_group):
    in_sales = make(group=sales)
    in_support = make()  # the widget's group

    assert select(account, group=sales.public_id) == {in_sales.pk}
    assert select(account, group=support_group.public_id) == {in_support.pk}
    assert select(account, group="none") == set()


def test_widget(account, make, support_group):
    from messagecenter.widgets.services import create_widget

    other_widget = create_widget(account, "Hilfe", operator_group=support_group)
    here = make()

    assert select(account, widget=other_widget.public_id) == set()
    assert select(account, widget=here.widget.public_id) == {here.pk}


def test_locale(account, make):
    german, english = make(locale="de"), make(locale="en")

    assert select(account, locale="de") == {german.pk}
    assert select(account, locale="en") == {english.pk}


def test_channel_type(account, make, email_channel):
    mail, chat = make(connection=email_channel), make()

    assert select(account, channel="email") == {mail.pk}
    assert select(account, channel="webchat") == {chat.pk}
    assert select(account, channel="whatsapp") == set()


def test_feedback_has_has_not_and_text(account, make):
    praised = make(rating=5, feedback="Super schnelle Hilfe")
    silent = make(rating=4)
    unrated = make()

    assert select(account, feedback="has") == {praised.pk}
    assert select(account, feedback="none") == {silent.pk, unrated.pk}
    assert select(account, feedback_text="SCHNELLE") == {praised.pk}


def test_chats_with_bots_that_are_not_ongoing(account, make, alice):
    ended_bot = make(bot=True, operator=alice, status=Status.ENDED)
    make(bot=True)  # still going on
    make(operator=alice, status=Status.ENDED)  # no bot

    assert select(account, bots="on") == {ended_bot.pk}


def test_filters_combine(account, make, alice, bob, topic, clock):
    make(operator=alice, status=Status.ENDED, topic=topic, locale="de")  # old
    clock.shift(timedelta(days=20))
    wanted = make(operator=alice, status=Status.ENDED, topic=topic, locale="de", rating=5)
    make(operator=bob, status=Status.ENDED, topic=topic, locale="de", rating=5)
    make(operator=alice, status=Status.WAITING, topic=topic, locale="de", rating=5)
    make(operator=alice, status=Status.ENDED, locale="de", rating=5)
    make(operator=alice, status=Status.ENDED, topic=topic, locale="en", rating=5)

    chosen = select(
        account, operator=alice.public_id, status="ended", period="7d", topic=topic.public_id,
        locale="de", rating="5", feedback="none", channel="webchat",
    )  # fmt: skip

    assert chosen == {wanted.pk}


def test_filters_combine_with_the_search_box(account, make, alice):
    wanted = make("Die Rechnung fehlt", operator=alice)
    make("Die Rechnung fehlt")
    make("Paket verloren", operator=alice)

    assert select(account, q="Rechnungen", operator=alice.public_id) == {wanted.pk}


def test_unknown_or_foreign_values_are_ignored(account, make, charlie):
    everything = {make().pk, make().pk}

    assert select(account, operator=charlie.public_id) == everything
    assert select(account, status="bogus", rating="11", period="forever") == everything
