"""The status table of R-RULES, row by row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.accounts.models import AuditEntry
from messagecenter.conversations import presence, services
from messagecenter.conversations.models import EntryKind, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, conversation_in, go_online, start

pytestmark = pytest.mark.django_db


def test_contact_starts_with_operator_available_routes_open_and_live(widget, contact, alice):
    go_online(alice)
    contact_opens_messenger(contact)

    conversation = start(widget, contact)

    assert conversation.status == Status.OPEN
    assert conversation.assigned_operator == alice
    assert conversation.is_live


def test_contact_offline_start_is_routed_open_but_not_live(widget, contact, alice):
    go_online(alice)

    conversation = start(widget, contact)

    assert (conversation.status, conversation.assigned_operator, conversation.is_live) == (
        Status.OPEN,
        alice,
        False,
    )


def test_contact_starts_with_nobody_available_is_new_in_group_queue(widget, contact, alice):
    """GIVEN alice is Away WHEN a contact starts THEN NEW, unassigned, in the widget's group,
    and the contact's messenger is told the reply will come later."""
    contact_opens_messenger(contact)

    with capture_events() as sent:
        conversation = start(widget, contact)

    assert conversation.status == Status.NEW
    assert conversation.assigned_operator is None
    assert conversation.assigned_group == widget.operator_group
    queued = [e for e, groups in sent if e["type"] == "messenger.queued"]
    assert queued == [
        {
            "type": "messenger.queued",
            "conversation": conversation.public_id,
            "reason": "no_operator_available",
        }
    ]


def test_operator_starts_from_profile_is_waiting_and_assigned(widget, contact, alice):
    conversation = services.start_conversation_by_operator(
        contact, widget, "Ihre Bestellung ist da", actor=Actor.for_operator(alice)
    )
    assert conversation.status == Status.WAITING
    assert conversation.assigned_operator == alice


def test_assigning_new_conversation_keeps_it_new_until_first_operator_message(
    widget, contact, alice
):
    conversation = start(widget, contact)
    me = Actor.for_operator(alice)

    services.assign_operator(conversation, alice, actor=me)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_operator) == (Status.NEW, alice)

    services.post_operator_message(conversation, "Hallo!", actor=me)
    conversation.refresh_from_db()
    assert conversation.status == Status.WAITING


@pytest.mark.parametrize("before", [Status.NEW, Status.OPEN, Status.WAITING, Status.ENDED])
def test_operator_message_makes_waiting(before, widget, contact, alice):
    conversation = conversation_in(before, widget, contact, alice)

    services.post_operator_message(conversation, "Antwort", actor=Actor.for_operator(alice))

    conversation.refresh_from_db()
    assert conversation.status == Status.WAITING
    assert conversation.ended_at is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.OPEN, Status.OPEN),
        (Status.WAITING, Status.OPEN),
        (Status.ENDED, Status.OPEN),
        (Status.NEW, Status.NEW),
    ],
)
def test_contact_message_status(before, after, widget, contact, alice):
    conversation = conversation_in(before, widget, contact, alice)

    services.post_contact_message(conversation, "Hallo?", actor=Actor.for_contact(contact))

    conversation.refresh_from_db()
    assert conversation.status == after


def test_contact_message_reopens_ended_conversation_with_its_operator(widget, contact, alice):
    conversation = conversation_in(Status.ENDED, widget, contact, alice)

    services.post_contact_message(conversation, "Doch noch was", actor=Actor.for_contact(contact))

    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_operator) == (Status.OPEN, alice)
    assert conversation.ended_at is None


@pytest.mark.parametrize("target", [Status.OPEN, Status.WAITING])
@pytest.mark.parametrize("before", [Status.NEW, Status.OPEN, Status.WAITING, Status.ENDED])
def test_manual_open_or_waiting_is_set_as_chosen(before, target, widget, contact, alice, bob):
    conversation = conversation_in(before, widget, contact, alice)

    # Any operator of the account may set the status, not only the assignee.
    services.set_status(conversation, target, actor=Actor.for_operator(bob))

    conversation.refresh_from_db()
    assert conversation.status == target


def test_new_cannot_be_set_by_hand(widget, contact, alice):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    with pytest.raises(InvalidTransition):
        services.set_status(conversation, Status.NEW, actor=Actor.for_operator(alice))
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_operator_ends_releases_live_and_slot(widget, contact, alice):
    go_online(alice)
    contact_opens_messenger(contact)
    conversation = start(widget, contact)
    assert conversation.is_live

    services.end_conversation(conversation, actor=Actor.for_operator(alice))

    conversation.refresh_from_db()
    assert (conversation.status, conversation.is_live) == (Status.ENDED, False)
    assert conversation.ended_at is not None


def test_ending_twice_is_refused(widget, contact, alice):
    conversation = conversation_in(Status.ENDED, widget, contact, alice)
    with pytest.raises(InvalidTransition):
        services.end_conversation(conversation, actor=Actor.for_operator(alice))


def test_status_change_records_actor_on_timeline_and_audit(widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    services.end_conversation(conversation, actor=Actor.for_operator(alice))

    entry = conversation.timeline.filter(kind=EntryKind.STATUS_CHANGED).last()
    assert (entry.actor_kind, entry.actor_id, entry.data) == (
        "operator",
        alice.public_id,
        {"from": "waiting", "to": "ended"},
    )
    audit = AuditEntry.objects.filter(action="conversation.status_changed").last()
    assert (audit.actor_id, audit.target_id, audit.data) == (
        alice.public_id,
        conversation.public_id,
        {"old": "waiting", "new": "ended"},
    )


def test_waiting_without_reply_for_30_days_is_ended_by_the_system(clock, widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    clock.shift(timedelta(days=29, hours=23))
    presence.auto_end_waiting()
    conversation.refresh_from_db()
    assert conversation.status == Status.WAITING

    clock.shift(timedelta(hours=1))
    presence.auto_end_waiting()
    conversation.refresh_from_db()
    assert conversation.status == Status.ENDED
    entry = conversation.timeline.filter(kind=EntryKind.STATUS_CHANGED).last()
    assert entry.actor_kind == "system"


def test_auto_end_follows_the_widget_setting(clock, widget, contact, alice):
    widget.auto_end_days = 7
    widget.save()
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    clock.shift(timedelta(days=7))
    presence.auto_end_waiting()

    conversation.refresh_from_db()
    assert conversation.status == Status.ENDED


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN])
def test_new_and_open_are_never_ended_automatically(status, clock, widget, contact, alice):
    conversation = conversation_in(status, widget, contact, alice)

    clock.shift(timedelta(days=400))
    presence.auto_end_waiting()

    conversation.refresh_from_db()
    assert conversation.status == status
