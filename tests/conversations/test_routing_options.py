"""Routing options per widget (widget editor › Routing), each against R-RULES: the group the
contact chose in the pre-chat form, sticky operator, backlog drain and the maximum queue; and
business hours closing the backlog drain too. Time is the controllable clock (Monday
2 March 2026, 09:00 UTC = 10:00 in Berlin)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.administration import hours
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import presence, routing, services
from messagecenter.conversations.models import EntryKind
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.widgets import services as widgets
from tests.conftest import as_actor, capture_events
from tests.helpers import contact_opens_messenger, go_online, start

pytestmark = pytest.mark.django_db


def online_contact(account, n):
    contact = create_contact(account, name=f"Kunde {n}")
    contact_opens_messenger(contact)
    return contact


def decision_of(conversation) -> dict:
    return conversation.timeline.filter(kind=EntryKind.ROUTING_DECISION).latest("seq").data


def configure(widget, alice, **changes):
    return widgets.update_widget(widget, actor=as_actor(alice), **changes)


def returning_contact_served_by(bob, widget, account, alice):
    """A contact whom Bob served and who ends; then Alice, with more free slots, comes."""
    contact = online_contact(account, 1)
    go_online(bob)
    first = start(widget, contact)
    services.post_operator_message(first, "Hallo", actor=Actor.for_operator(bob))
    services.end_conversation(first, actor=Actor.for_operator(bob))
    accounts.set_max_slots(alice, 10, actor=as_actor(alice))
    go_online(alice)
    return contact


# --- sticky operator -------------------------------------------------------------------------


def test_sticky_operator_on_sends_a_returning_contact_to_their_last_operator(
    clock, account, widget, alice, bob
):
    contact = returning_contact_served_by(bob, widget, account, alice)
    second = start(widget, contact)
    assert second.assigned_operator == bob
    assert decision_of(second)["rule"] == routing.RULE_RETURNING


def test_sticky_operator_off_routes_a_returning_contact_like_anyone(
    clock, account, widget, alice, bob
):
    configure(widget, alice, sticky_operator=False)
    contact = returning_contact_served_by(bob, widget, account, alice)
    second = start(widget, contact)
    assert second.assigned_operator == alice  # most free slots
    assert decision_of(second)["rule"] == routing.RULE_MOST_FREE


# --- backlog drain ---------------------------------------------------------------------------


def test_backlog_drain_on_hands_the_oldest_waiting_chat_to_who_becomes_available(
    clock, account, widget, alice
):
    older = start(widget, online_contact(account, 1))
    clock.shift(60)
    start(widget, online_contact(account, 2))
    accounts.set_max_slots(alice, 1, actor=as_actor(alice))
    go_online(alice)
    older.refresh_from_db()
    assert older.assigned_operator == alice
    assert decision_of(older)["rule"] == "backlog_drain"


def test_backlog_drain_off_leaves_waiting_chats_for_assign_to_me(clock, account, widget, alice):
    configure(widget, alice, backlog_drain=False)
    waiting = start(widget, online_contact(account, 1))
    go_online(alice)
    waiting.refresh_from_db()
    assert waiting.assigned_operator is None


# --- maximum queue ---------------------------------------------------------------------------


def test_a_full_queue_sends_new_chats_asynchronous(clock, account, widget, alice):
    """GIVEN a widget with a queue of 2 and nobody available WHEN a third contact starts a
    chat THEN routing stores "queue full", the contact is told the reply comes later, and
    the chat is not handed out live when an operator comes: it waits for Assign to me."""
    configure(widget, alice, max_queue=2)
    queued = [start(widget, online_contact(account, n)) for n in range(2)]
    assert [decision_of(c)["rule"] for c in queued] == [routing.RULE_NO_CANDIDATE] * 2

    with capture_events() as sent:
        third = start(widget, online_contact(account, 3))

    decision = decision_of(third)
    assert decision["rule"] == routing.RULE_QUEUE_FULL
    assert decision["queue"] == {"waiting": 2, "max": 2}
    told = [e for e, _groups in sent if e["type"] == "messenger.queued"]
    assert told == [
        {"type": "messenger.queued", "conversation": third.public_id, "reason": "queue_full"}
    ]

    go_online(alice)  # three free slots: the two queued chats, not the asynchronous one
    for conversation in [*queued, third]:
        conversation.refresh_from_db()
    assert [c.assigned_operator for c in queued] == [alice, alice]
    assert third.assigned_operator is None


def test_the_queue_counts_only_contacts_still_waiting(clock, account, widget, alice):
    """A contact who closed the messenger no longer waits live: their chat leaves the queue."""
    configure(widget, alice, max_queue=1)
    gone = create_contact(account, name="Weg")
    tab = contact_opens_messenger(gone)
    start(widget, gone)
    presence.contact_tab_closed(gone, tab)

    next_one = start(widget, online_contact(account, 2))

    assert decision_of(next_one)["rule"] == routing.RULE_NO_CANDIDATE


def test_no_limit_by_default(clock, account, widget, alice):
    chats = [start(widget, online_contact(account, n)) for n in range(5)]
    assert {decision_of(c)["rule"] for c in chats} == {routing.RULE_NO_CANDIDATE}


def test_the_queue_limit_is_validated(widget, alice):
    with pytest.raises(ValidationFailed) as refused:
        configure(widget, alice, max_queue=1001)
    assert refused.value.details["field"] == "max_queue"
    widget.refresh_from_db()
    assert widget.max_queue == 0


# --- group chosen by the contact --------------------------------------------------------------


@pytest.fixture
def sales(account):
    return accounts.create_group(account, "Sales")


@pytest.fixture
def sara(account, sales):
    return accounts.create_operator(
        account, name="Sara Sales", email="sara@acme.test", groups=[sales]
    )


def test_the_group_a_contact_chooses_decides_the_candidates(
    clock, account, widget, alice, bob, support_group, sales, sara
):
    """GIVEN a widget of Support that offers Support and Sales, Bob (Support) and Sara (Sales)
    online WHEN the contact chooses Sales THEN the chat goes to Sara, in Sales' queue."""
    configure(widget, alice, prechat_groups=[support_group.public_id, sales.public_id])
    go_online(bob)
    go_online(sara)
    contact = online_contact(account, 1)
    answers = widgets.form_answers(widget, {"group": sales.public_id})

    conversation = services.start_conversation(
        widget, contact, "Ich möchte kaufen", actor=Actor.for_contact(contact), group=answers.group
    )

    assert conversation.assigned_operator == sara
    assert conversation.assigned_group == sales
    assert [c["operator"] for c in decision_of(conversation)["candidates"]] == [sara.public_id]


def test_a_group_the_widget_does_not_offer_is_refused(
    clock, account, widget, alice, support_group, sales
):
    configure(widget, alice, prechat_groups=[support_group.public_id, sales.public_id])
    hidden = accounts.create_group(account, "Intern")
    with pytest.raises(ValidationFailed):
        widgets.form_answers(widget, {"group": hidden.public_id})


def test_offering_groups_of_another_account_is_refused(widget, alice, support_group, other_account):
    foreign = accounts.create_group(other_account, "Fremd")
    with pytest.raises(ValidationFailed) as refused:
        configure(widget, alice, prechat_groups=[support_group.public_id, foreign.public_id])
    assert refused.value.details["field"] == "prechat_groups"


def test_required_form_fields_are_enforced(widget, alice):
    configure(widget, alice, prechat_fields={"email": "required", "name": "optional"})
    with pytest.raises(ValidationFailed) as refused:
        widgets.form_answers(widget, {"name": "Kim"})
    assert refused.value.details["field"] == "email"
    answers = widgets.form_answers(widget, {"name": " Kim ", "email": "kim@example.com"})
    assert answers.details == {"name": "Kim", "email": "kim@example.com"}


# --- business hours close the backlog drain too -----------------------------------------------


def test_after_hours_an_operator_going_online_gets_no_chat_until_opening(
    clock, account, widget, alice
):
    """GIVEN hours 09:00-17:00 in Berlin and a chat that waited since 18:00 WHEN Alice goes
    Online at 18:05 THEN she is handed nothing (the office is closed); at 09:00 the next
    day, when a slot frees, the waiting chat is hers."""
    hours.set_hours(
        widget, enabled=True, time_zone="Europe/Berlin",
        weekly={day: [("09:00", "17:00")] for day in range(5)}, holidays=[],
        out_of_office="async", message="", actor=as_actor(alice),
    )  # fmt: skip
    clock.shift(timedelta(hours=8))  # 18:00 in Berlin
    waiting = start(widget, online_contact(account, 1))
    clock.shift(timedelta(minutes=5))
    go_online(alice)
    waiting.refresh_from_db()
    assert waiting.assigned_operator is None

    clock.shift(timedelta(hours=15))  # 09:05 on Tuesday
    assert services.drain_backlog(alice) == [waiting]


def test_a_hand_over_to_a_group_joins_its_queue_whatever_its_length(
    clock, account, widget, alice, bob, support_group
):
    """The queue limit is for new chats: an operator handing a chat to a group never sends
    it asynchronous."""
    configure(widget, alice, max_queue=1, backlog_drain=False)
    start(widget, online_contact(account, 1))  # the queue is full now, and stays full
    go_online(bob)
    handed = start(widget, online_contact(account, 2))  # Bob takes it
    accounts.set_presence(bob, "away", actor=as_actor(bob))

    services.assign_group(handed, support_group, actor=as_actor(bob))

    handed.refresh_from_db()
    assert handed.assigned_operator is None
    assert decision_of(handed)["rule"] == routing.RULE_NO_CANDIDATE
