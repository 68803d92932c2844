"""Replies through WhatsApp: ``POST /<phone number id>/messages`` to the contact's number (or,
for a user WhatsApp names by user id only, to that id); the statuses WhatsApp posts back move
the message forward only (read stays read), once per (wamid, status), in any order; Meta's
errors mapped (rate limits and 5xx retry, the 24-hour window, a token or an undeliverable
recipient fail with WhatsApp's words); deletion refused; free text refused outside the
24-hour window."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import pytest

from messagecenter.conversations import delivery, services
from messagecenter.conversations.models import DeliveryState, Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.transports.base import CapabilityRefused
from messagecenter.transports.whatsapp import inbound
from messagecenter.transports.whatsapp.models import WhatsAppDelivery
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.fake_api import TOKEN
from tests.transports.whatsapp.payloads import (
    PHONE,
    USER_ID,
    contact,
    message,
    status,
    statuses,
    text,
    value,
    webhook,
)

pytestmark = pytest.mark.django_db

NOT_ON_WHATSAPP = "The recipient's phone number is not a WhatsApp number."
FAILED = [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
           "error_data": {"details": NOT_ON_WHATSAPP}}]  # fmt: skip


@pytest.fixture
def conversation(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Wir kümmern uns"):
    with capture_events():
        return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def state(entry) -> Message:
    return Message.objects.get(entry=entry)


def sweep(clock, seconds=3600):
    clock.shift(seconds)
    with capture_events():
        delivery.sweep()


def test_a_reply_goes_to_the_contacts_number(conversation, alice, whatsapp_api):
    sent = reply(conversation, alice)

    body = whatsapp_api.sent[0]
    assert body["to"] == PHONE and "recipient" not in body
    assert body["messaging_product"] == "whatsapp" and body["type"] == "text"
    assert body["text"]["body"] == "Wir kümmern uns"
    assert state(sent).delivery_state == DeliveryState.SENT
    assert OutboundDelivery.objects.get().provider_message_id == body["id"]


def test_a_user_without_a_number_is_written_to_by_user_id(provider, whatsapp, alice, whatsapp_api):
    """GIVEN a user with a username whose webhook carries no number THEN the reply goes to
    their business-scoped user id (``recipient``)."""
    hidden = value(messages=[message("wamid.U1", "Hi", phone=None)],
                   contacts=[contact(phone=None, username="kim.b")])  # fmt: skip
    post(provider, whatsapp, webhook(("messages", hidden)))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))

    reply(conversation, alice)

    body = whatsapp_api.sent[0]
    assert body["recipient"] == USER_ID and "to" not in body


def test_the_token_goes_in_the_authorization_header_only(conversation, alice, whatsapp_api):
    reply(conversation, alice)

    assert f"Bearer {TOKEN}" in whatsapp_api.authorizations
    assert all(TOKEN not in path for _method, path in whatsapp_api.calls)


# --- statuses ----------------------------------------------------------------------------------


def test_statuses_move_the_message_forward(provider, conversation, alice, whatsapp_api):
    sent = reply(conversation, alice)
    wamid = whatsapp_api.sent[0]["id"]

    post(provider, conversation.connection, statuses(status(wamid, "delivered")))
    assert state(sent).delivery_state == DeliveryState.DELIVERED
    post(provider, conversation.connection, statuses(status(wamid, "read")))
    assert state(sent).delivery_state == DeliveryState.READ


def test_statuses_out_of_order_never_move_back(provider, conversation, alice, whatsapp_api):
    """GIVEN read arriving before sent and delivered, each redelivered THEN read stays."""
    sent = reply(conversation, alice)
    wamid = whatsapp_api.sent[0]["id"]
    order = [status(wamid, "read"), status(wamid, "delivered"), status(wamid, "sent")] * 3
    random.Random(3).shuffle(order)
    order.insert(0, status(wamid, "read"))

    for item in order:
        post(provider, conversation.connection, statuses(item))

    assert state(sent).delivery_state == DeliveryState.READ


def test_a_batch_of_statuses_of_several_messages(provider, conversation, alice, whatsapp_api):
    first, second = reply(conversation, alice, "Eins"), reply(conversation, alice, "Zwei")
    a, b = (m["id"] for m in whatsapp_api.sent)
    payload = webhook(("messages", value(statuses=[status(a, "delivered"), status(b, "read")])),
                      ("messages", value(statuses=[status(a, "read")])))  # fmt: skip

    post(provider, conversation.connection, payload)

    assert state(first).delivery_state == DeliveryState.READ
    assert state(second).delivery_state == DeliveryState.READ


def test_a_failed_status_carries_whatsapps_reason(provider, conversation, alice, whatsapp_api):
    sent = reply(conversation, alice)
    wamid = whatsapp_api.sent[0]["id"]

    post(provider, conversation.connection, statuses(status(wamid, "failed", errors=FAILED)))

    message = state(sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "Message undeliverable" in message.delivery_error
    assert "not a WhatsApp number" in message.delivery_error


def test_a_status_before_our_send_is_recorded_waits_for_it(provider, whatsapp, conversation,
                                                           alice, whatsapp_api, clock):  # fmt: skip
    """GIVEN the webhook's "delivered" overtakes the answer to our own send THEN it waits
    (pending) and the sweep applies it once the send is recorded."""
    whatsapp_api.fail("messages", 131000, status=500)
    sent = reply(conversation, alice)
    assert state(sent).delivery_state == DeliveryState.QUEUED
    post(provider, whatsapp, statuses(status("wamid.FAKE000001", "delivered")))
    row = WhatsAppDelivery.objects.get(processed_at__isnull=True)
    assert row.outcome == "pending"

    sweep(clock)  # the send goes out now: wamid.FAKE000001
    assert whatsapp_api.sent[0]["id"] == "wamid.FAKE000001"
    with capture_events():
        inbound.sweep()

    assert state(sent).delivery_state == DeliveryState.DELIVERED
    assert WhatsAppDelivery.objects.get(pk=row.pk).outcome == "done"


# --- errors ------------------------------------------------------------------------------------


def test_a_rate_limit_is_retried_after_a_wait(conversation, alice, whatsapp_api, clock):
    whatsapp_api.fail("messages", 130429)
    sent = reply(conversation, alice)

    row = OutboundDelivery.objects.get()
    assert state(sent).delivery_state == DeliveryState.QUEUED
    assert row.next_attempt_at >= sent.at + timedelta(seconds=60)
    assert "Rate limit" in row.last_error
    sweep(clock)
    assert state(sent).delivery_state == DeliveryState.SENT


def test_meta_trouble_is_retried(conversation, alice, whatsapp_api, clock):
    whatsapp_api.fail("messages", 131000, status=503, times=2)
    sent = reply(conversation, alice)
    sweep(clock)
    assert state(sent).delivery_state == DeliveryState.QUEUED
    sweep(clock)
    assert state(sent).delivery_state == DeliveryState.SENT
    assert whatsapp_api.texts() == ["Wir kümmern uns"]


@pytest.mark.parametrize(
    ("code", "says"),
    [(131047, "24 hours"), (190, "Invalid OAuth access token"), (131026, "undeliverable")],
)
def test_permanent_errors_fail_at_once_with_the_reason(conversation, alice, whatsapp_api,
                                                       code, says):  # fmt: skip
    whatsapp_api.fail("messages", code, status=401 if code == 190 else 400)
    sent = reply(conversation, alice)

    message = state(sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert says.lower() in message.delivery_error.lower()
    assert OutboundDelivery.objects.get().attempts == 1


def test_the_24_hour_window_refuses_free_text_after_it(conversation, alice, clock, whatsapp_api):
    clock.shift(timedelta(hours=24, seconds=1).total_seconds())

    with pytest.raises(CapabilityRefused) as refused:
        reply(conversation, alice)

    assert refused.value.code == "channel_reply_window_closed"
    assert whatsapp_api.sent == []


def test_the_window_opens_again_when_the_contact_writes(provider, whatsapp, conversation, alice,
                                                        clock, whatsapp_api):  # fmt: skip
    clock.shift(timedelta(hours=30).total_seconds())
    post(provider, whatsapp, text("wamid.IN2", "Noch da?"))

    reply(conversation, alice)

    assert whatsapp_api.texts() == ["Wir kümmern uns"]


def test_deletion_is_refused(conversation, alice, whatsapp_api):
    sent = reply(conversation, alice)

    with pytest.raises(CapabilityRefused) as refused:
        services.delete_message(conversation, sent.seq, actor=Actor.for_operator(alice))

    assert refused.value.code == "channel_cannot_delete"


def test_no_secret_in_logs_when_sending(conversation, alice, whatsapp_api, caplog):
    whatsapp_api.fail("messages", 190, status=401)
    with caplog.at_level(logging.DEBUG):
        reply(conversation, alice)

    assert TOKEN not in caplog.text
