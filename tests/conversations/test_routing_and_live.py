"""R-RULES Routing, Chat slots, LIVE and Backlog drain."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Presence
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import presence, services
from messagecenter.conversations.models import EntryKind, Status
from messagecenter.conversations.routing import free_slots, slots_used
from messagecenter.core.actors import Actor
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, go_online, start

pytestmark = pytest.mark.django_db


def new_contact(account, n):
    return create_contact(account, name=f"Kunde {n}", email=f"kunde{n}@example.com")


def online_contact(account, n):
    contact = new_contact(account, n)
    contact_opens_messenger(contact)
    return contact


def test_routing_picks_most_free_slots(account, widget, alice, bob):
    accounts.set_max_slots(alice, 5, actor=Actor.for_operator(alice))
    go_online(alice)
    go_online(bob)
    conversation = start(widget, online_contact(account, 1))
    assert conversation.assigned_operator == alice
    decision = conversation.timeline.get(kind=EntryKind.ROUTING_DECISION).data
    assert decision["rule"] == "most_free_slots"
    assert {c["operator"]: c["free"] for c in decision["candidates"]} == {
        alice.public_id: 5,
        bob.public_id: 3,
    }


def test_ties_go_to_the_operator_idle_longest(clock, account, widget, alice, bob):
    go_online(alice)
    go_online(bob)
    first = start(widget, online_contact(account, 1))
    clock.shift(timedelta(minutes=1))
    second = start(widget, online_contact(account, 2))
    clock.shift(timedelta(minutes=1))
    # Both now have 2 free slots; the one assigned earlier has waited longest.
    third = start(widget, online_contact(account, 3))

    assert first.assigned_operator != second.assigned_operator
    assert third.assigned_operator == first.assigned_operator
    rules = [c.timeline.get(kind=EntryKind.ROUTING_DECISION).data["rule"] for c in (second, third)]
    assert rules == ["most_free_slots", "longest_idle"]


def test_returning_contact_goes_to_last_operator(account, widget, alice, bob):
    contact = online_contact(account, 1)
    go_online(bob)
    first = start(widget, contact)
    services.post_operator_message(first, "Hallo", actor=Actor.for_operator(bob))
    services.end_conversation(first, actor=Actor.for_operator(bob))
    accounts.set_max_slots(alice, 10, actor=Actor.for_operator(alice))
    go_online(alice)  # alice has more free slots, but bob served this contact last

    second = start(widget, contact)

    assert second.assigned_operator == bob
    assert second.timeline.get(kind=EntryKind.ROUTING_DECISION).data["rule"] == (
        "returning_contact"
    )


def test_only_operators_of_the_widget_group_are_candidates(account, widget, alice):
    outsider_group = accounts.create_group(account, "Sales")
    seller = accounts.create_operator(
        account, name="Sam Seller", email="sam@acme.test", groups=[outsider_group]
    )
    go_online(seller)
    conversation = start(widget, online_contact(account, 1))
    assert conversation.assigned_operator is None
    assert conversation.status == Status.NEW


def test_away_or_disconnected_operators_are_not_available(account, widget, alice):
    presence.operator_tab_opened(alice, "tab-1")  # connected but Away (new operators start Away)
    assert alice.presence == Presence.AWAY
    assert start(widget, online_contact(account, 1)).assigned_operator is None


def test_full_slots_leave_conversations_unassigned(account, widget, alice):
    accounts.set_max_slots(alice, 1, actor=Actor.for_operator(alice))
    go_online(alice)
    first = start(widget, online_contact(account, 1))
    second = start(widget, online_contact(account, 2))
    assert first.is_live and first.assigned_operator == alice
    assert second.assigned_operator is None and second.status == Status.NEW
    assert (slots_used(alice), free_slots(alice)) == (1, 0)


def test_offline_contact_conversations_hold_no_slot(account, widget, alice):
    accounts.set_max_slots(alice, 1, actor=Actor.for_operator(alice))
    go_online(alice)
    for n in range(3):  # asynchronous conversations are unlimited
        conversation = start(widget, new_contact(account, n))
        assert conversation.assigned_operator == alice and not conversation.is_live
    assert free_slots(alice) == 1


def test_contact_message_becomes_live_when_both_online_and_slot_free(account, widget, alice):
    contact = new_contact(account, 1)
    go_online(alice)
    conversation = start(widget, contact)  # contact offline: OPEN, not LIVE
    assert not conversation.is_live
    contact_opens_messenger(contact)

    services.post_contact_message(conversation, "Bin wieder da", actor=Actor.for_contact(contact))

    conversation.refresh_from_db()
    assert conversation.is_live


def test_contact_message_without_free_slot_stays_async_and_contact_is_told(account, widget, alice):
    accounts.set_max_slots(alice, 1, actor=Actor.for_operator(alice))
    go_online(alice)
    contact = new_contact(account, 2)
    waiting = start(widget, contact)  # offline contact: routed, asynchronous
    start(widget, online_contact(account, 1))  # takes the only slot
    assert waiting.assigned_operator == alice and not waiting.is_live
    contact_opens_messenger(contact)

    with capture_events() as sent:
        services.post_contact_message(waiting, "Hallo?", actor=Actor.for_contact(contact))

    waiting.refresh_from_db()
    assert not waiting.is_live
    assert [e["reason"] for e, _ in sent if e["type"] == "messenger.queued"] == ["no_free_slot"]


def test_live_ends_when_contact_goes_offline(account, widget, alice):
    contact = new_contact(account, 1)
    tab = contact_opens_messenger(contact)
    go_online(alice)
    conversation = start(widget, contact)
    assert conversation.is_live

    presence.contact_tab_closed(contact, tab)

    conversation.refresh_from_db()
    assert not conversation.is_live
    assert conversation.timeline.filter(kind=EntryKind.LIVE_CHANGED).last().data == {
        "live": False,
        "reason": "contact_offline",
    }


def test_live_ends_when_operator_goes_away(account, widget, alice):
    go_online(alice)
    conversation = start(widget, online_contact(account, 1))

    presence.set_operator_presence(alice, Presence.AWAY, actor=Actor.for_operator(alice))

    conversation.refresh_from_db()
    assert not conversation.is_live
    assert conversation.assigned_operator == alice  # Away keeps the chat, frees the slot


def test_closing_last_tab_ends_live_only_after_the_grace_period(clock, account, widget, alice):
    tab = go_online(alice)
    conversation = start(widget, online_contact(account, 1))
    presence.operator_tab_closed(alice, tab)

    clock.shift(timedelta(seconds=10))
    presence.expire_presence()
    conversation.refresh_from_db()
    assert conversation.is_live  # a reload within the grace period changes nothing

    clock.shift(timedelta(seconds=30))
    presence.expire_presence()
    conversation.refresh_from_db()
    assert not conversation.is_live


def test_live_ends_after_widget_timeout_of_silence(clock, account, widget, alice):
    go_online(alice)
    conversation = start(widget, online_contact(account, 1))

    clock.shift(timedelta(minutes=29))
    presence.expire_inactive_live()
    conversation.refresh_from_db()
    assert conversation.is_live

    clock.shift(timedelta(minutes=2))
    presence.expire_inactive_live()
    conversation.refresh_from_db()
    assert not conversation.is_live


def test_reassigning_ends_live(account, widget, alice, bob):
    go_online(alice)
    conversation = start(widget, online_contact(account, 1))
    services.assign_operator(conversation, bob, actor=Actor.for_operator(alice))
    conversation.refresh_from_db()
    assert (conversation.assigned_operator, conversation.is_live) == (bob, False)


def test_freed_slot_drains_oldest_unassigned_conversation_of_online_contact(
    clock, account, widget, alice
):
    accounts.set_max_slots(alice, 1, actor=Actor.for_operator(alice))
    go_online(alice)
    busy = start(widget, online_contact(account, 1))
    clock.shift(timedelta(minutes=1))
    offline_one = start(widget, new_contact(account, 2))  # queued, but its contact is offline
    clock.shift(timedelta(minutes=1))
    older = start(widget, online_contact(account, 3))
    clock.shift(timedelta(minutes=1))
    newer = start(widget, online_contact(account, 4))
    assert offline_one.assigned_operator is None
    assert older.assigned_operator is None and newer.assigned_operator is None

    services.end_conversation(busy, actor=Actor.for_operator(alice))

    for conversation in (offline_one, older, newer):
        conversation.refresh_from_db()
    assert offline_one.assigned_operator is None  # offline contacts wait for "Assign to me"
    assert (older.assigned_operator, older.is_live, older.status) == (alice, True, Status.OPEN)
    assert newer.assigned_operator is None
    decision = older.timeline.filter(kind=EntryKind.ROUTING_DECISION).last().data
    assert decision["rule"] == "backlog_drain"


def test_becoming_available_drains_the_backlog(account, widget, alice):
    waiting = [start(widget, online_contact(account, n)) for n in range(4)]
    go_online(alice)  # 3 slots
    assigned = [c for c in waiting if (c.refresh_from_db() or c.assigned_operator == alice)]
    assert len(assigned) == 3
    waiting[3].refresh_from_db()
    assert waiting[3].assigned_operator is None


def test_backlog_drain_can_be_switched_off_per_widget(account, widget, alice):
    widget.backlog_drain = False
    widget.save()
    conversation = start(widget, online_contact(account, 1))
    go_online(alice)
    conversation.refresh_from_db()
    assert conversation.assigned_operator is None


def test_assign_to_me_from_unassigned(account, widget, bob):
    conversation = start(widget, new_contact(account, 1))
    services.assign_operator(conversation, bob, actor=Actor.for_operator(bob))
    conversation.refresh_from_db()
    assert (conversation.assigned_operator, conversation.status) == (bob, Status.NEW)


def test_assign_group_routes_to_an_available_member(account, widget, alice):
    sales = accounts.create_group(account, "Sales")
    seller = accounts.create_operator(account, name="Sam", email="sam@acme.test", groups=[sales])
    go_online(seller)
    conversation = start(widget, online_contact(account, 1))
    assert conversation.assigned_operator is None

    services.assign_group(conversation, sales, actor=Actor.for_operator(alice))

    conversation.refresh_from_db()
    assert (conversation.assigned_group, conversation.assigned_operator) == (sales, seller)


def test_unassign_keeps_group_queue(account, widget, alice):
    go_online(alice)
    conversation = start(widget, new_contact(account, 1))
    services.unassign(conversation, actor=Actor.for_operator(alice))
    conversation.refresh_from_db()
    assert conversation.assigned_operator is None
    assert conversation.assigned_group == widget.operator_group


def test_sessions_split_after_timeout_and_are_labelled(clock, account, widget, alice):
    contact = new_contact(account, 1)
    conversation = start(widget, contact)  # nobody online: OFFLINE session
    clock.shift(timedelta(hours=2))
    contact_opens_messenger(contact)
    go_online(alice)  # drains: both online now
    services.post_contact_message(conversation, "Hallo", actor=Actor.for_contact(contact))

    sessions = list(conversation.sessions.values_list("number", "was_live"))
    assert sessions == [(1, False), (2, True)]
