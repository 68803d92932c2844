"""Replies through Telegram: sendMessage to the contact's chat; Telegram's errors mapped (429
waits for ``retry_after``, 5xx and network failures retry, 400/403 fail with Telegram's
words); an operator's deletion within 48 hours is deleteMessage, refused after, and a
deletion Telegram refuses is shown on the message."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from messagecenter.conversations import delivery, services
from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import DeliveryState, Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.transports.base import CapabilityRefused
from tests.conftest import capture_events
from tests.transports.telegram.conftest import post
from tests.transports.telegram.fake_api import TOKEN
from tests.transports.telegram.updates import USER, update

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, telegram, alice, clock):
    post(provider, telegram, update(1, 11, "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Wir kümmern uns"):
    with capture_events():
        return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def state(entry) -> Message:
    return Message.objects.get(entry=entry)


def test_a_reply_is_sent_to_the_contacts_chat(conversation, alice, telegram_api):
    sent = reply(conversation, alice)

    assert telegram_api.sent == [
        {"message_id": 101, "chat_id": USER["id"], "text": "Wir kümmern uns"}
    ]
    assert state(sent).delivery_state == DeliveryState.SENT
    assert OutboundDelivery.objects.get().provider_message_id == f"{USER['id']}:101"


def test_too_many_requests_waits_for_retry_after(conversation, alice, telegram_api, clock):
    telegram_api.fail("sendMessage", 429, "Too Many Requests: retry after 120", retry_after=120)
    sent = reply(conversation, alice)

    row = OutboundDelivery.objects.get()
    assert state(sent).delivery_state == DeliveryState.QUEUED
    assert row.next_attempt_at >= sent.at + timedelta(seconds=120)
    clock.shift(60)
    with capture_events():
        delivery.sweep()
    assert telegram_api.texts() == []  # not before Telegram's wait
    clock.shift(61)
    with capture_events():
        delivery.sweep()
    assert state(sent).delivery_state == DeliveryState.SENT
    assert telegram_api.texts() == ["Wir kümmern uns"]


def test_a_server_error_is_retried(conversation, alice, telegram_api, clock):
    telegram_api.fail("sendMessage", 500, "Internal Server Error")
    sent = reply(conversation, alice)
    assert state(sent).delivery_state == DeliveryState.QUEUED

    clock.shift(3600)
    with capture_events():
        delivery.sweep()

    assert state(sent).delivery_state == DeliveryState.SENT


def test_telegram_unreachable_is_retried(conversation, alice, settings):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"  # discard port: nobody listens
    sent = reply(conversation, alice)

    message = state(sent)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "cannot be reached" in OutboundDelivery.objects.get().last_error


def test_a_user_who_blocked_the_bot_fails_at_once_with_telegrams_reason(
    conversation, alice, telegram_api
):
    telegram_api.blocked.add(USER["id"])

    sent = reply(conversation, alice)

    message = state(sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "Forbidden: bot was blocked by the user"
    assert OutboundDelivery.objects.get().attempts == 1


def test_a_bad_request_fails_with_its_description(conversation, alice, telegram_api):
    telegram_api.fail("sendMessage", 400, "Bad Request: chat not found")

    message = state(reply(conversation, alice))

    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "Bad Request: chat not found"


def test_the_token_stays_out_of_the_logs_even_when_httpx_logs(conversation, alice, caplog):
    logging.getLogger("httpx").setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.DEBUG):
            reply(conversation, alice)
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)

    assert "sendMessage" in caplog.text  # httpx did log the request
    assert TOKEN.split(":")[1] not in caplog.text


# --- deletion --------------------------------------------------------------------------------


def delete(conversation, alice, seq):
    with capture_events():
        return services.delete_message(conversation, seq, actor=Actor.for_operator(alice))


def test_a_deletion_within_48_hours_deletes_it_in_telegram(
    conversation, alice, telegram_api, clock
):
    sent = reply(conversation, alice)
    clock.shift(47 * 3600)

    delete(conversation, alice, sent.seq)

    assert telegram_api.deleted == [(USER["id"], 101)]
    assert state(sent).deleted_at is not None
    assert entry_payload(sent)["message"]["delete_error"] == ""


def test_after_48_hours_the_deletion_is_refused_with_the_reason(
    conversation, alice, telegram_api, clock
):
    sent = reply(conversation, alice)
    clock.shift(48 * 3600 + 1)

    with pytest.raises(CapabilityRefused) as refused:
        delete(conversation, alice, sent.seq)

    assert refused.value.code == "channel_delete_window_passed"
    assert "48 hours" in str(refused.value.message)
    assert state(sent).deleted_at is None and telegram_api.deleted == []


def test_a_deletion_telegram_refuses_is_shown_on_the_message(conversation, alice, telegram_api):
    sent = reply(conversation, alice)
    telegram_api.fail("deleteMessage", 400, "Bad Request: message can't be deleted")

    delete(conversation, alice, sent.seq)

    message = state(sent)
    assert message.deleted_at is not None  # deleted for the team all the same
    shown = entry_payload(message.entry)["message"]["delete_error"]
    assert "Bad Request: message can't be deleted" in shown


def test_a_deletion_of_a_message_not_sent_yet_asks_telegram_nothing(
    conversation, alice, telegram_api
):
    telegram_api.fail("sendMessage", 502, "Bad Gateway")
    sent = reply(conversation, alice)

    delete(conversation, alice, sent.seq)

    assert not any(method == "deleteMessage" for method, _p in telegram_api.calls)
