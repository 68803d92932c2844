"""The incremental rows agree with a full recomputation; the intervals follow presence and
LIVE; the verify command reports differences."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from messagecenter.accounts.models import Presence
from messagecenter.analytics import services as analytics
from messagecenter.analytics.models import ConversationMetric, PresenceInterval, SlotInterval
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import notes, presence, services
from messagecenter.core.actors import Actor
from tests.analytics.conftest import drain
from tests.helpers import contact_opens_messenger, go_online, start

pytestmark = pytest.mark.django_db


def scripted_history(clock, account, widget, alice, bob):
    """Twelve conversations through every kind of step, drained at odd moments (so the
    incremental path catches up over several entries at once, or one at a time)."""
    me, teammate = Actor.for_operator(alice), Actor.for_operator(bob)
    conversations = []
    for n in range(12):
        contact = create_contact(account, name=f"Kunde {n}", email=f"k{n}@example.com")
        them = Actor.for_contact(contact)
        if n % 3 == 0:
            contact_opens_messenger(contact)
        conversation = start(widget, contact)
        clock.shift(37 * (n + 1))
        if n % 2 == 0:
            who = alice if n % 4 else bob
            services.assign_operator(conversation, who, actor=me)
            services.post_operator_message(conversation, "Hallo", actor=Actor.for_operator(who))
        if n % 4 == 1:
            drain()
        clock.shift(120)
        services.post_contact_message(conversation, "Danke", actor=them)
        notes.add_note(conversation, "intern", actor=teammate)
        if n % 5 == 0:
            conversation.refresh_from_db()
            services.end_conversation(conversation, actor=me)
            clock.shift(300)
            services.post_contact_message(conversation, "Doch noch", actor=them)
        conversations.append(conversation)
        clock.shift(3600 * 7)  # across days and hours
    drain()
    return conversations


def test_incremental_rows_agree_with_the_recomputation(clock, account, widget, alice, bob):
    go_online(alice)
    scripted_history(clock, account, widget, alice, bob)
    result = analytics.verify(account.pk)
    assert result.checked == 12
    assert result.agrees, (result.missing, result.differences)
    assert ConversationMetric.objects.filter(reopened=1).count() == 3


def test_verify_reports_and_fixes_a_difference(clock, account, widget, contact):
    conversation = start(widget, contact)
    drain()
    ConversationMetric.objects.filter(conversation_key=conversation.public_id).update(
        contact_messages=7
    )
    with pytest.raises(CommandError):
        call_command("analytics_verify")
    call_command("analytics_verify", "--fix")
    call_command("analytics_verify")  # agrees now
    assert ConversationMetric.objects.get().contact_messages == 1


def test_a_lost_row_is_rebuilt_from_the_next_event(clock, account, widget, contact):
    conversation = start(widget, contact)
    drain()
    ConversationMetric.objects.all().delete()
    services.post_contact_message(conversation, "Hallo?", actor=Actor.for_contact(contact))
    drain()
    assert ConversationMetric.objects.get().contact_messages == 2


def test_presence_intervals_follow_the_online_switch(clock, alice):
    go_online(alice)
    drain()
    clock.shift(600)
    presence.set_operator_presence(alice, Presence.AWAY, actor=Actor.for_operator(alice))
    drain()
    [interval] = PresenceInterval.objects.all()
    assert (interval.ended_at - interval.started_at).total_seconds() == 600
    assert interval.operator_id == alice.pk


def test_slot_intervals_follow_live(clock, widget, contact, alice):
    go_online(alice)
    contact_opens_messenger(contact)
    conversation = start(widget, contact)
    drain()
    [slot] = SlotInterval.objects.all()
    assert slot.ended_at is None and slot.operator_id == alice.pk
    clock.shift(90)
    services.end_conversation(conversation, actor=Actor.for_operator(alice))
    drain()
    slot.refresh_from_db()
    assert (slot.ended_at - slot.started_at).total_seconds() == 90
