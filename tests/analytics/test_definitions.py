"""docs/metrics.md, one contract per definition: given this history, the metric is exactly N."""

from __future__ import annotations

from datetime import date

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.conversations import notes, ratings, services
from messagecenter.core.actors import Actor
from tests.analytics.conftest import metric
from tests.helpers import contact_opens_messenger, go_online, start

pytestmark = pytest.mark.django_db


def test_first_response_time_is_first_contact_message_to_first_operator_message(
    clock, widget, contact, alice, me, them
):
    """GIVEN a contact writes at 09:00 and again at 09:01 WHEN Alice answers at 09:05
    THEN the first response time is exactly 300 seconds."""
    conversation = start(widget, contact)
    clock.shift(60)
    services.post_contact_message(conversation, "Hallo?", actor=them)
    services.assign_operator(conversation, alice, actor=me)
    clock.shift(240)
    services.post_operator_message(conversation, "Guten Tag", actor=me)
    row = metric(conversation)
    assert row.first_response_seconds == 300
    assert (row.contact_messages, row.operator_messages) == (2, 1)


def test_notes_bot_and_system_messages_are_not_responses(clock, widget, contact, alice, me, them):
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=me)
    clock.shift(30)
    notes.add_note(conversation, "intern", actor=me)
    system = Actor.system(alice.account)
    services.post_bot_message(conversation, "Ein Bot sagt hallo", actor=system)
    row = metric(conversation)
    assert row.first_response_at is None and row.first_response_seconds is None
    assert row.operator_messages == 0
    clock.shift(90)
    services.post_operator_message(conversation, "Jetzt ich", actor=me)
    assert metric(conversation).first_response_seconds == 120


def test_unanswered_until_the_first_operator_response(clock, widget, contact, alice, me):
    conversation = start(widget, contact)
    row = metric(conversation)
    assert row.contact_messages == 1 and row.first_response_at is None
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Hallo", actor=me)
    assert metric(conversation).first_response_at is not None


def test_reply_time_is_the_mean_of_each_debts_wait(clock, widget, contact, alice, me, them):
    """GIVEN debts of 60 s and 180 s (the second opened by two contact messages, from the
    first of them) THEN reply count 2, total 240 s, mean 120 s; a follow-up is no reply."""
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=me)
    clock.shift(60)
    services.post_operator_message(conversation, "Hallo", actor=me)
    clock.shift(10)
    services.post_operator_message(conversation, "Noch etwas?", actor=me)  # follow-up
    clock.shift(100)
    services.post_contact_message(conversation, "Ja", actor=them)
    clock.shift(100)
    services.post_contact_message(conversation, "Hallo?", actor=them)
    clock.shift(80)
    services.post_operator_message(conversation, "Sorry", actor=me)
    row = metric(conversation)
    assert (row.reply_count, row.reply_seconds_total, row.reply_seconds_mean) == (2, 240, 120)
    assert row.first_response_seconds == 60
    assert row.operator_messages == 3


def test_resolution_time_is_start_to_last_end_and_reopening_counts(
    clock, widget, contact, alice, me, them
):
    """GIVEN ended after 1 h, reopened by the contact, ended again 2 h later
    THEN resolution is exactly 3 h, reopened once; while reopened it has none."""
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Hallo", actor=me)
    clock.shift(3600)
    services.end_conversation(conversation, actor=me)
    assert metric(conversation).resolution_seconds == 3600
    clock.shift(600)
    services.post_contact_message(conversation, "Noch was", actor=them)
    row = metric(conversation)
    assert (row.status, row.resolution_seconds, row.ended_at, row.reopened) == (
        "open",
        None,
        None,
        1,
    )
    clock.shift(6600)
    conversation.refresh_from_db()
    services.end_conversation(conversation, actor=me)
    row = metric(conversation)
    assert (row.resolution_seconds, row.reopened, row.status) == (3 * 3600, 1, "ended")
    assert row.ended_local_day == date(2026, 3, 2)


def test_live_share_counts_a_conversation_that_held_a_slot(clock, widget, contact, alice, me):
    go_online(alice)
    contact_opens_messenger(contact)
    live = start(widget, contact)
    assert metric(live).was_live is True
    services.end_conversation(live, actor=me)
    assert metric(live).live_since is None and metric(live).was_live is True


def test_an_asynchronous_conversation_is_not_live(clock, widget, contact):
    assert metric(start(widget, contact)).was_live is False


def test_rating_and_feedback_flag(clock, widget, contact, alice, me):
    widget.rating_enabled = True
    widget.save()
    contact_opens_messenger(contact)
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=me)
    ratings.request_rating(conversation, actor=me)
    clock.shift(3600 * 20)  # 2026-03-03 05:00 UTC
    ratings.submit_rating(
        conversation, 4, "Sehr nett", actor=Actor.for_contact(conversation.contact)
    )
    row = metric(conversation)
    assert (row.rating, row.has_feedback, row.rated_local_day) == (4, True, date(2026, 3, 3))


def test_days_and_hours_are_in_the_account_time_zone(clock, account, alice, widget, contact):
    """GIVEN 2026-03-02 23:30 UTC and an account in Europe/Berlin THEN local day 03-03, 00 h."""
    accounts.set_account_time_zone(account, "Europe/Berlin", actor=Actor.for_operator(alice))
    clock.shift(14 * 3600 + 1800)
    row = metric(start(widget, contact))
    assert (row.local_day, row.local_hour, row.local_weekday) == (date(2026, 3, 3), 0, 1)


def test_the_row_outlives_erasure(clock, widget, contact, alice):
    from messagecenter.contacts.gdpr import erase_contact

    conversation = start(widget, contact)
    key = metric(conversation).conversation_key
    erase_contact(contact, actor=Actor.for_operator(alice))
    from messagecenter.analytics.models import ConversationMetric

    assert ConversationMetric.objects.filter(conversation_key=key).exists()
