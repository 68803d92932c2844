"""Outbound on a custom channel: a signed POST of ``message.created`` to the webhook URL, with
the delivery's idempotency key as ``webhook-id`` on every attempt, through the SSRF guard."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from messagecenter.conversations import delivery, inbound, services
from messagecenter.conversations.models import DeliveryAttempt, DeliveryState, Message
from messagecenter.core import webhooks
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.custom import config, setup
from tests.conftest import capture_events
from tests.transports.contract import CustomCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(custom_receiver):
    return CustomCase(registry.get("custom"), custom_receiver)


@pytest.fixture
def connection(case, widget):
    return case.connect(widget)


@pytest.fixture
def mine(case, connection, alice):
    parsed = case.transport.parse(connection, case.request(1))
    conversation = inbound.receive(connection, parsed).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Antwort"):
    with capture_events():
        return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def test_the_receiver_gets_a_signed_message_created(mine, alice, connection, custom_receiver):
    sent = reply(mine, alice, "Ist unterwegs")

    ((headers, body, _status),) = custom_receiver.requests
    webhooks.verify(config.signing_secrets(connection), headers, body)
    payload = json.loads(body)
    assert payload == {
        "type": "message.created",
        "channel": connection.public_id,
        "conversation": mine.public_id,
        "seq": sent.seq,
        "text": "Ist unterwegs",
        "html": payload["html"],
        "author": {"name": alice.name},
        "recipient": "kim-1",
        "thread": "",
    }
    row = Message.objects.get(entry=sent).delivery
    assert headers["webhook-id"] == row.idempotency_key
    assert row.provider_message_id == "rcv-1"


def test_a_retry_carries_the_same_webhook_id(mine, alice, case, custom_receiver, clock):
    case.fail(permanent=False, times=1)
    sent = reply(mine, alice)
    clock.shift(3600)
    with capture_events():
        delivery.sweep()

    ids = {headers["webhook-id"] for headers, _body, _status in custom_receiver.requests}
    assert len(custom_receiver.requests) == 2 and len(ids) == 1
    assert Message.objects.get(entry=sent).delivery_state == DeliveryState.SENT


def test_a_refusal_fails_with_the_status_and_the_receivers_words(mine, alice, case):
    case.fail(permanent=True)

    sent = reply(mine, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "HTTP 400: nope"
    assert DeliveryAttempt.objects.get(delivery=message.delivery).outcome == "failed"


def test_during_a_rotation_both_secrets_sign(mine, alice, connection, custom_receiver, alice_admin):
    old = config.signing_secrets(connection)[0]
    new = setup.rotate_secret(connection, "outbound", actor=alice_admin).outbound

    reply(mine, alice)

    ((headers, body, _status),) = custom_receiver.requests
    webhooks.verify([old], headers, body)
    webhooks.verify([new], headers, body)


def test_an_internal_address_is_never_called(mine, alice, connection, custom_receiver, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []

    sent = reply(mine, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "loopback" in message.delivery_error
    assert custom_receiver.requests == []


@pytest.fixture
def alice_admin(alice):
    return Actor.for_operator(alice)


def test_a_deactivated_channel_sends_nothing(mine, alice, connection, custom_receiver):
    setup.deactivate(connection, actor=Actor.for_operator(alice))

    sent = reply(mine, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "The channel is deactivated."
    assert custom_receiver.requests == []


def test_the_receivers_retry_after_delays_the_next_attempt(mine, alice, custom_receiver, clock):
    custom_receiver.script.append((503, {"Retry-After": "1200"}))

    sent = reply(mine, alice)

    row = Message.objects.get(entry=sent).delivery
    assert row.state == "queued"
    assert (row.next_attempt_at - timezone.now()).total_seconds() == pytest.approx(1200, abs=2)
    clock.shift(600)
    with capture_events():
        delivery.sweep()
    assert len(custom_receiver.requests) == 1  # not due yet
    clock.shift(601)
    with capture_events():
        delivery.sweep()
    assert Message.objects.get(entry=sent).delivery_state == DeliveryState.SENT


def test_a_reply_too_long_for_the_channel_names_it(mine, alice, connection):
    from messagecenter.transports.base import CapabilityRefused

    with pytest.raises(CapabilityRefused) as refused:
        reply(mine, alice, "x" * 1001)

    assert refused.value.code == "channel_text_too_long"
    assert str(refused.value) == "App messages can have at most 1000 characters."
