"""R-OP-5: notifications are produced from domain events, one per recipient, ids only."""

from __future__ import annotations

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from messagecenter.core.events import operator_group
from messagecenter.notifications.models import Kind, Notification
from messagecenter.notifications.services import mark_read, notify_from_event, unread_count
from tests.conftest import capture_events
from tests.helpers import start, started

pytestmark = pytest.mark.django_db


def kinds(operator):
    return list(Notification.objects.filter(operator=operator).values_list("kind", flat=True))


def test_new_unassigned_conversation_notifies_the_group(widget, contact, alice, bob, account):
    sales = accounts.create_group(account, "Sales")
    seller = accounts.create_operator(account, name="Sam", email="sam@acme.test", groups=[sales])
    with capture_events():
        start(widget, contact)
    assert kinds(alice) == kinds(bob) == [Kind.NEW_UNASSIGNED]
    assert kinds(seller) == []  # not in the widget's group


def test_contact_message_in_mine_notifies_me(widget, contact, alice):
    conversation = started(widget, contact)
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    with capture_events() as sent:
        services.post_contact_message(conversation, "Hallo?", actor=Actor.for_contact(contact))
    assert kinds(alice) == [Kind.NEW_MESSAGE]
    pushed = [e for e, groups in sent if e["type"] == "notification.created"]
    assert pushed[0]["unread"] == 1
    assert [g for e, g in sent if e["type"] == "notification.created"] == [
        [operator_group(alice.public_id)]
    ]


def test_a_chat_makes_one_unread_notification_until_it_is_read(widget, contact, alice):
    """GIVEN my live chat WHEN the contact writes three times THEN one unread notification points
    at the first message; once I read it, the next message makes a new one."""
    conversation = started(widget, contact)
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    with capture_events() as sent:
        for body in ("Hallo?", "Sind Sie da?", "Hallo!"):
            services.post_contact_message(conversation, body, actor=Actor.for_contact(contact))
    [first] = Notification.objects.filter(operator=alice)
    assert (
        first.kind == Kind.NEW_MESSAGE
        and first.seq == conversation.timeline.get(message__body="Hallo?").seq
    )
    assert [e["type"] for e, _ in sent].count("notification.created") == 1

    mark_read(alice)
    with capture_events():
        services.post_contact_message(conversation, "Noch da?", actor=Actor.for_contact(contact))
    assert kinds(alice) == [Kind.NEW_MESSAGE, Kind.NEW_MESSAGE]
    assert unread_count(alice) == 1


def test_forward_notifies_the_new_assignee_but_assign_to_me_does_not(widget, contact, alice, bob):
    conversation = started(widget, contact)
    with capture_events():
        services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    assert kinds(alice) == []
    with capture_events():
        services.assign_operator(conversation, bob, actor=Actor.for_operator(alice))
    assert kinds(bob) == [Kind.FORWARDED]


def test_mention_notifies_the_mentioned(widget, contact, alice, bob):
    conversation = started(widget, contact)
    with capture_events():
        notes.add_note(conversation, "@bob bitte prüfen", actor=Actor.for_operator(alice))
    assert kinds(bob) == [Kind.MENTION]
    notification = Notification.objects.get(operator=bob)
    assert (notification.conversation, notification.actor_id) == (conversation, alice.public_id)


def test_replayed_event_notifies_once(widget, contact, alice, bob):
    conversation = start(widget, contact)
    entry = notes.add_note(conversation, "@bob hallo", actor=Actor.for_operator(alice))
    event = {"type": "note.mention", "conversation": conversation.public_id, "seq": entry.seq}
    assert notify_from_event(event) == 1
    assert notify_from_event(event) == 0
    assert kinds(bob) == [Kind.MENTION]


def test_mark_read(widget, contact, alice, bob):
    conversation = start(widget, contact)
    for n in range(2):
        entry = notes.add_note(conversation, f"@bob {n}", actor=Actor.for_operator(alice))
        notify_from_event(
            {"type": "note.mention", "conversation": conversation.public_id, "seq": entry.seq}
        )
    assert unread_count(bob) == 2
    assert mark_read(bob) == 2
    assert unread_count(bob) == 0
