"""Outbound delivery through a transport: a row in the message's transaction, claimed by the
job, retried with backoff on transient errors, failed at once on permanent ones, re-sent at
most once after a crash between claim and record, and visible live on the message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.conversations import delivery, inbound, services
from messagecenter.conversations.models import (
    DeliveryAttempt,
    DeliveryState,
    Message,
    OutboundDelivery,
    OutboundState,
)
from messagecenter.core.actors import Actor
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(widget, fake_transport):
    return ChannelConnection.objects.create(account=widget.account, widget=widget, kind="fake")


@pytest.fixture
def conversation(channel, alice):
    message = InboundMessage(
        body="Hallo", identity_kind="external", identity_value="kim-1", provider_message_id="in-1"
    )
    conversation = inbound.receive(channel, message).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Antwort"):
    return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def row(entry) -> OutboundDelivery:
    return OutboundDelivery.objects.get(message__entry=entry)


def outcomes(entry) -> list[str]:
    return list(
        DeliveryAttempt.objects.filter(delivery__message__entry=entry).values_list(
            "outcome", flat=True
        )
    )


def message_of(entry) -> Message:
    return Message.objects.get(entry=entry)


def test_a_reply_is_a_queued_row_in_its_transaction(conversation, alice, fake_transport):
    with TestOnCommit() as callbacks:
        entry = reply(conversation, alice)

    assert row(entry).state == OutboundState.QUEUED
    assert message_of(entry).delivery_state == DeliveryState.QUEUED
    assert len(callbacks) >= 1 and fake_transport.calls == []  # nothing sent before commit


def test_a_delivered_reply_is_sent_and_shown_live(conversation, alice, fake_transport):
    with capture_events() as sent:
        entry = reply(conversation, alice, "Ihre Bestellung ist unterwegs")

    assert [o.body for o in fake_transport.sent] == ["Ihre Bestellung ist unterwegs"]
    outbound = fake_transport.sent[0]
    assert outbound.recipient == "kim-1"
    assert outbound.idempotency_key == f"mc-{conversation.public_id}-{entry.seq}"
    assert row(entry).state == OutboundState.SENT
    assert row(entry).provider_message_id == f"fake-{outbound.idempotency_key}"
    assert message_of(entry).delivery_state == DeliveryState.SENT
    updates = [e for e, _ in sent if e["type"] == "message.updated"]
    assert [u["entry"]["message"]["delivery_state"] for u in updates] == ["sent"]
    assert updates[0]["seq"] == entry.seq


def test_transient_errors_retry_with_backoff_then_succeed(
    clock, settings, conversation, alice, fake_transport
):
    """GIVEN a provider that answers 503 twice WHEN the reply goes out THEN it is retried
    after 30 s and then 60 s (not before), and sent once, with one idempotency key."""
    settings.DELIVERY_BACKOFF_SECONDS = 30
    fake_transport.fail_transiently(2)
    with capture_events():
        entry = reply(conversation, alice)
    assert row(entry).state == OutboundState.QUEUED
    assert row(entry).last_error == "503 Service Unavailable"

    clock.shift(29)
    with capture_events():
        delivery.sweep()
    assert len(fake_transport.calls) == 1  # not due yet

    clock.shift(1)
    with capture_events():
        delivery.sweep()
    clock.shift(60)
    with capture_events() as sent:
        delivery.sweep()

    assert len(fake_transport.calls) == 3 and len(fake_transport.sent) == 1
    assert len({o.idempotency_key for o in fake_transport.calls}) == 1
    assert outcomes(entry) == ["retry", "retry", "sent"]
    assert message_of(entry).delivery_state == DeliveryState.SENT
    assert any(e["type"] == "message.updated" for e, _ in sent)


def test_a_permanent_error_fails_at_once_with_its_reason(conversation, alice, fake_transport):
    fake_transport.fail_permanently("550 No such user")
    with capture_events() as sent:
        entry = reply(conversation, alice)

    assert len(fake_transport.calls) == 1
    assert row(entry).state == OutboundState.FAILED
    message = message_of(entry)
    assert (message.delivery_state, message.delivery_error) == ("failed", "550 No such user")
    update = next(e for e, _ in sent if e["type"] == "message.updated")
    assert update["entry"]["message"]["delivery_error"] == "550 No such user"


def test_transient_errors_fail_after_the_last_attempt(
    clock, settings, conversation, alice, fake_transport
):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    fake_transport.fail_transiently(5, "timeout")
    with capture_events():
        entry = reply(conversation, alice)
    for _ in range(4):
        clock.shift(3600)
        with capture_events():
            delivery.sweep()

    assert len(fake_transport.calls) == 3
    assert outcomes(entry) == ["retry", "retry", "failed"]
    assert message_of(entry).delivery_error == "timeout"


def test_the_operator_retries_a_failed_message(client, conversation, alice, fake_transport):
    fake_transport.fail_permanently()
    with capture_events():
        entry = reply(conversation, alice)
    client.force_login(alice)

    with capture_events():
        response = client.post(
            reverse("conversation_retry_delivery", args=[conversation.public_id, entry.seq]),
            HTTP_ACCEPT="application/json",
        )

    assert response.status_code == 200
    assert response.json()["entry"]["message"]["delivery_state"] == "queued"
    assert len(fake_transport.sent) == 1
    assert message_of(entry).delivery_state == DeliveryState.SENT
    assert message_of(entry).delivery_error == ""


def test_only_a_failed_message_can_be_retried(conversation, alice, fake_transport):
    with capture_events():
        entry = reply(conversation, alice)

    with pytest.raises(Exception, match="Only a failed message"):
        delivery.retry(conversation, entry.seq, actor=Actor.for_operator(alice))


def test_a_crash_between_claim_and_send_re_sends_once(
    clock, settings, conversation, alice, fake_transport
):
    """GIVEN a worker that claimed the delivery and died before sending WHEN its lease runs
    out THEN the sweep sends it (once), and the cut-short attempt shows as interrupted."""
    with TestOnCommit():
        entry = reply(conversation, alice)
    assert delivery._claim(row(entry).pk) is not None  # ...and the worker dies here

    with capture_events():
        delivery.sweep()
    assert fake_transport.calls == []  # the lease still holds

    clock.shift(settings.DELIVERY_LEASE_SECONDS + 1)
    with capture_events():
        delivery.sweep()
        delivery.sweep()

    assert len(fake_transport.sent) == 1
    assert outcomes(entry) == ["interrupted", "sent"]
    assert message_of(entry).delivery_state == DeliveryState.SENT


def test_a_crash_after_the_provider_accepted_re_sends_at_most_once_with_the_same_key(
    clock, settings, conversation, alice, fake_transport
):
    """The provider took the message, the worker died before recording it: the re-send
    carries the same idempotency key (so the provider drops it); a second crash fails the
    delivery with a reason instead of sending again and again."""
    with TestOnCommit():
        entry = reply(conversation, alice)
    pk = row(entry).pk
    claimed, attempt = delivery._claim(pk)
    fake_transport.deliver(delivery._outbound(claimed, attempt.number))  # accepted; then: dies

    clock.shift(settings.DELIVERY_LEASE_SECONDS + 1)
    with TestOnCommit():
        delivery.sweep()  # re-queued once
    assert delivery._claim(pk) is not None  # the re-send's worker dies too
    clock.shift(settings.DELIVERY_LEASE_SECONDS + 1)
    with capture_events():
        delivery.sweep()
        delivery.sweep()

    assert len(fake_transport.sent) == 1
    assert row(entry).state == OutboundState.FAILED
    assert "interrupted twice" in message_of(entry).delivery_error
    assert outcomes(entry) == ["interrupted", "interrupted"]


def test_receipts_move_the_state_forward_only(conversation, alice, fake_transport, channel):
    with capture_events():
        entry = reply(conversation, alice)
    provider_id = row(entry).provider_message_id

    assert delivery.record_status(channel, provider_id, OutboundState.READ)
    assert not delivery.record_status(channel, provider_id, OutboundState.DELIVERED)
    assert message_of(entry).delivery_state == DeliveryState.READ
    assert delivery.record_status(channel, provider_id, OutboundState.FAILED, "bounced")
    assert message_of(entry).delivery_error == "bounced"


def test_webchat_replies_write_no_delivery_row(widget, contact, alice):
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact)
    )
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    entry = reply(conversation, alice)

    assert message_of(entry).delivery_state == DeliveryState.SENT
    assert not OutboundDelivery.objects.exists()


class TestOnCommit:
    """Collect on-commit callbacks without running them: the job never starts (a worker
    that died before it picked the job up)."""

    def __enter__(self):
        from django.test import TestCase

        self._context = TestCase.captureOnCommitCallbacks(execute=False)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def test_the_api_retries_a_failed_message(conversation, alice, fake_transport):
    from tests.api.conftest import assert_problem, personal

    fake_transport.fail_permanently()
    with capture_events():
        entry = reply(conversation, alice)
    api = personal(alice)
    path = f"/conversations/{conversation.public_id}/messages/{entry.seq}/retry"

    with capture_events():
        response = api.post(path)
    assert response.status_code == 200, response.content
    assert response.json()["message"]["delivery_state"] == "queued"
    assert message_of(entry).delivery_state == DeliveryState.SENT

    assert_problem(api.post(path), 409, "invalid_transition")


def test_only_the_assigned_operator_or_an_admin_retries(conversation, alice, bob, charlie):
    from messagecenter.core.errors import NotFound, PermissionDenied

    with capture_events():
        entry = reply(conversation, alice)
    OutboundDelivery.objects.filter(message__entry=entry).update(state=OutboundState.FAILED)

    with pytest.raises(PermissionDenied):
        delivery.retry(conversation, entry.seq, actor=Actor.for_operator(bob))
    with pytest.raises(NotFound):
        delivery.retry(conversation, entry.seq, actor=Actor.for_operator(charlie))
