"""Replies as SMS: a Message created at Twilio (From the number or through the Messaging
Service, with our StatusCallback), Twilio's errors mapped (429 and 5xx retry, 4xx fail with
the reason, 21610 also withdraws consent), an opted-out contact refused before sending, and
status callbacks moving the delivery forward only, in whatever order they come."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from messagecenter.contacts import consent
from messagecenter.conversations import delivery, services
from messagecenter.conversations.models import DeliveryState, Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.transports.base import CapabilityRefused
from messagecenter.transports.sms import inbound
from messagecenter.transports.sms.models import EventOutcome, SmsEvent
from tests.conftest import capture_events
from tests.transports.sms.conftest import post
from tests.transports.sms.fake_twilio import (
    ACCOUNT_SID,
    API_KEY_SID,
    NUMBER,
    SERVICE_SID,
)

pytestmark = pytest.mark.django_db

KIM = "+491701234567"


def start(provider, connection, twilio_api, alice, body="Hallo"):
    post(provider, connection, twilio_api.incoming(body, sender=KIM))
    conversation = Message.objects.order_by("-entry_id").first().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


@pytest.fixture
def conversation(provider, sms, twilio_api, alice, clock):
    return start(provider, sms, twilio_api, alice)


def reply(conversation, alice, body="Wir kümmern uns"):
    with capture_events():
        return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def state(entry) -> Message:
    return Message.objects.get(entry=entry)


def test_a_reply_is_sent_from_the_number_with_our_status_callback(
    conversation, alice, twilio_api, sms
):
    sent = reply(conversation, alice)

    [message] = twilio_api.sent
    assert (message["to"], message["from"], message["body"]) == (KIM, NUMBER, "Wir kümmern uns")
    assert message["status_callback"] == (
        f"https://support.acme.test/channels/sms/{sms.public_id}/status"
    )
    assert state(sent).delivery_state == DeliveryState.SENT
    assert OutboundDelivery.objects.get().provider_message_id == message["sid"]
    assert twilio_api.requests[-1][2] == ACCOUNT_SID  # the auth token, no API key given


def test_through_a_messaging_service_with_an_api_key(provider, service_sms, twilio_api, alice):
    conversation = start(provider, service_sms, twilio_api, alice)

    reply(conversation, alice)

    [message] = twilio_api.sent
    assert (message["messaging_service_sid"], message["from"]) == (SERVICE_SID, None)
    assert twilio_api.requests[-1][2] == API_KEY_SID


def test_a_rate_limit_waits_and_retries(conversation, alice, twilio_api, clock):
    twilio_api.fail(429, 20429, "Too Many Requests", retry_after=120)
    sent = reply(conversation, alice)

    row = OutboundDelivery.objects.get()
    assert state(sent).delivery_state == DeliveryState.QUEUED
    assert row.next_attempt_at >= sent.at + timedelta(seconds=120)
    clock.shift(121)
    with capture_events():
        delivery.sweep()
    assert state(sent).delivery_state == DeliveryState.SENT
    assert twilio_api.bodies() == ["Wir kümmern uns"]


def test_a_server_error_is_retried(conversation, alice, twilio_api, clock):
    twilio_api.fail(503, 20500, "Service Unavailable")
    sent = reply(conversation, alice)
    assert state(sent).delivery_state == DeliveryState.QUEUED

    clock.shift(3600)
    with capture_events():
        delivery.sweep()

    assert state(sent).delivery_state == DeliveryState.SENT


def test_twilio_unreachable_is_retried(conversation, alice, settings):
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # discard port: nobody listens
    sent = reply(conversation, alice)

    assert state(sent).delivery_state == DeliveryState.QUEUED
    assert "cannot be reached" in OutboundDelivery.objects.get().last_error


def test_an_invalid_number_fails_at_once_with_the_reason(conversation, alice, twilio_api):
    twilio_api.fail(400, 21211, "The 'To' number +491701234567 is not a valid phone number.")

    message = state(reply(conversation, alice))

    assert message.delivery_state == DeliveryState.FAILED
    assert "21211" in message.delivery_error
    assert OutboundDelivery.objects.get().attempts == 1


def test_an_unknown_twilio_error_fails_with_twilios_words(conversation, alice, twilio_api):
    twilio_api.fail(400, 21612, "The 'To' phone number is not currently reachable via SMS")

    message = state(reply(conversation, alice))

    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == (
        "The 'To' phone number is not currently reachable via SMS (21612)"
    )


def test_unsubscribed_at_twilio_fails_and_withdraws_consent(conversation, alice, twilio_api):
    twilio_api.unsubscribed.add(KIM)

    message = state(reply(conversation, alice))

    assert message.delivery_state == DeliveryState.FAILED
    assert "STOP" in message.delivery_error
    decision = consent.current(conversation.contact, "sms")
    assert (decision.granted, decision.source) == (False, "sms_provider")


def test_a_reply_to_an_opted_out_contact_is_refused_before_sending(
    provider, conversation, alice, twilio_api, sms
):
    post(provider, sms, twilio_api.incoming("STOP", sender=KIM))

    with pytest.raises(CapabilityRefused) as refused:
        reply(conversation, alice)

    assert refused.value.code == "contact_opted_out"
    assert "START" in str(refused.value.message)
    assert twilio_api.sent == []


def test_after_start_the_contact_can_be_written_again(
    provider, conversation, alice, twilio_api, sms
):
    post(provider, sms, twilio_api.incoming("STOP", sender=KIM))
    post(provider, sms, twilio_api.incoming("START", sender=KIM))

    reply(conversation, alice)

    assert twilio_api.bodies() == ["Wir kümmern uns"]


def test_a_stop_after_the_reply_was_queued_is_respected(
    provider, conversation, alice, twilio_api, sms
):
    twilio_api.fail(503, 20500, "Service Unavailable")
    sent = reply(conversation, alice)  # queued for a retry
    post(provider, sms, twilio_api.incoming("STOP", sender=KIM))
    OutboundDelivery.objects.update(next_attempt_at=sent.at)

    with capture_events():
        delivery.sweep()

    message = state(sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "STOP" in message.delivery_error
    assert twilio_api.sent == []


def test_a_text_over_1600_characters_is_refused(conversation, alice):
    with pytest.raises(CapabilityRefused):
        reply(conversation, alice, "x" * 1601)


def test_deletion_is_refused(conversation, alice):
    sent = reply(conversation, alice)

    with pytest.raises(CapabilityRefused) as refused:
        services.delete_message(conversation, sent.seq, actor=Actor.for_operator(alice))

    assert refused.value.code == "channel_cannot_delete"


def test_the_secrets_stay_out_of_the_logs(conversation, alice, caplog, twilio_api):
    with caplog.at_level("DEBUG"):
        reply(conversation, alice)

    token = twilio_api.accounts[ACCOUNT_SID].auth_token
    assert token not in caplog.text
    assert base64.b64encode(f"{ACCOUNT_SID}:{token}".encode()).decode() not in caplog.text


# --- status callbacks ------------------------------------------------------------------------


def callback(provider, sms, twilio_api, status, error_code=""):
    params = twilio_api.status_callback(twilio_api.sent[-1], status, error_code=error_code)
    return post(provider, sms, params, kind="status")


def test_statuses_move_the_message_forward(provider, conversation, alice, twilio_api, sms):
    sent = reply(conversation, alice)

    for status in ("queued", "sent", "delivered"):
        assert callback(provider, sms, twilio_api, status).status_code == 200

    assert state(sent).delivery_state == DeliveryState.DELIVERED


def test_statuses_out_of_order_never_move_back(provider, conversation, alice, twilio_api, sms):
    sent = reply(conversation, alice)

    callback(provider, sms, twilio_api, "read")
    callback(provider, sms, twilio_api, "delivered")
    callback(provider, sms, twilio_api, "sent")

    assert state(sent).delivery_state == DeliveryState.READ
    outcomes = list(SmsEvent.objects.filter(kind="status").order_by("pk")
                    .values_list("outcome", flat=True))  # fmt: skip
    assert outcomes == [EventOutcome.STATUS, EventOutcome.STALE, EventOutcome.STALE]


def test_a_status_redelivered_is_one_event(provider, conversation, alice, twilio_api, sms):
    reply(conversation, alice)

    for _ in range(10):
        callback(provider, sms, twilio_api, "delivered")

    assert SmsEvent.objects.filter(kind="status").count() == 1


def test_undelivered_fails_with_the_error(provider, conversation, alice, twilio_api, sms):
    sent = reply(conversation, alice)

    callback(provider, sms, twilio_api, "undelivered", error_code="30003")

    message = state(sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "Twilio 30003: Unreachable destination handset"


def test_failed_with_21610_withdraws_consent(provider, conversation, alice, twilio_api, sms):
    sent = reply(conversation, alice)

    callback(provider, sms, twilio_api, "failed", error_code="21610")

    assert state(sent).delivery_state == DeliveryState.FAILED
    assert consent.allows(conversation.contact, "sms") is False


def test_an_unsigned_status_is_refused(provider, conversation, alice, twilio_api, sms):
    sent = reply(conversation, alice)
    params = twilio_api.status_callback(twilio_api.sent[-1], "delivered")

    response = post(provider, sms, params, kind="status", signature="bm9wZQ==")

    assert response.status_code == 403
    assert state(sent).delivery_state == DeliveryState.SENT


def test_a_status_before_our_record_of_the_send_is_applied_later(
    provider, conversation, alice, twilio_api, sms, clock
):
    """GIVEN Twilio's callback overtook our commit of the send (no delivery has the SID yet)
    WHEN the sweep comes round THEN the status is applied."""
    sent = reply(conversation, alice)
    sid = OutboundDelivery.objects.get().provider_message_id
    OutboundDelivery.objects.update(provider_message_id="")

    callback(provider, sms, twilio_api, "delivered")
    row = SmsEvent.objects.get(kind="status")
    assert row.outcome == EventOutcome.PENDING

    OutboundDelivery.objects.update(provider_message_id=sid)
    clock.shift(120)
    with capture_events():
        assert inbound.sweep() == [row.pk]

    assert state(sent).delivery_state == DeliveryState.DELIVERED


def test_the_refusal_and_the_reasons_speak_german(provider, conversation, alice, twilio_api, sms):
    from django.utils import translation

    from messagecenter.transports.sms.transport import OPTED_OUT

    post(provider, sms, twilio_api.incoming("STOP", sender=KIM))
    with translation.override("de"), pytest.raises(CapabilityRefused) as refused:
        reply(conversation, alice)
    assert "abgemeldet (STOP)" in str(refused.value.message)
    with translation.override("de"):
        assert translation.gettext(OPTED_OUT).startswith("Der Kontakt hat sich von SMS abgemeldet")
