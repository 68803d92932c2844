"""Every transport passes the same contract (cases in ``contract.py``): inbound idempotency,
the connection on each message, capability refusals, delivery states, retry and permanent
failure."""

from __future__ import annotations

import pytest

from messagecenter.conversations import delivery, inbound, services
from messagecenter.conversations.models import DeliveryState, Message
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError
from messagecenter.transports import registry
from messagecenter.transports.base import CapabilityRefused, InboundMessage
from tests.conftest import capture_events
from tests.transports.contract import CASES

pytestmark = pytest.mark.django_db


@pytest.fixture(params=CASES, ids=[case.kind for case in CASES])
def case(request):
    fixture = request.param.fixture
    helper = request.getfixturevalue(fixture) if fixture else None
    return request.param(registry.get(request.param.kind), helper)


@pytest.fixture
def connection(case, widget):
    return case.connect(widget)


def receive(case, connection, n: int, body: str = "Hallo"):
    message = case.transport.parse(connection, case.request(n, body))
    return inbound.receive(connection, message, contact=case.sender(connection))


@pytest.fixture
def mine(case, connection, alice):
    """A conversation the contact started on the channel, assigned to alice."""
    conversation = receive(case, connection, 1).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Antwort"):
    return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def state_of(entry) -> Message:
    return Message.objects.get(entry=entry)


def queued(case) -> bool:
    return case.transport.capabilities.queued_delivery


# --- inbound ---------------------------------------------------------------------------------


def test_parse_gives_an_inbound_message(case, connection):
    message = case.transport.parse(connection, case.request(1, "Guten Tag"))

    assert isinstance(message, InboundMessage)
    assert message.body == "Guten Tag"


def test_the_same_inbound_message_twice_is_stored_once(case, connection):
    first = receive(case, connection, 1)

    again = receive(case, connection, 1)

    assert (again.entry.pk, again.entry.seq) == (first.entry.pk, first.entry.seq)
    assert Message.objects.filter(conversation=first.conversation).count() == 1


def test_each_message_stores_its_connection(case, connection):
    received = receive(case, connection, 1)
    follow_up = receive(case, connection, 2, "Noch was")

    assert follow_up.conversation.pk == received.conversation.pk
    assert {m.connection_id for m in received.conversation.messages.all()} == {connection.pk}


# --- capabilities ----------------------------------------------------------------------------


def test_a_reply_longer_than_the_channel_carries_is_refused(case, mine, alice):
    # The connection's own record: a custom channel declares its limits per connection.
    too_long = "x" * (mine.connection.capabilities.max_text_length + 1)

    with pytest.raises(DomainError):
        reply(mine, alice, too_long)

    assert not mine.messages.filter(author_kind="operator").exists()


def test_deletion_follows_the_channels_capability(case, mine, alice, clock):
    capabilities = mine.connection.capabilities
    with capture_events():
        sent = reply(mine, alice)
    me = Actor.for_operator(alice)
    if not capabilities.can_delete:
        with pytest.raises(CapabilityRefused) as refused:
            services.delete_message(mine, sent.seq, actor=me)
        assert refused.value.code == "channel_cannot_delete"
        return
    services.delete_message(mine, sent.seq, actor=me)
    if capabilities.delete_window is not None:
        with capture_events():
            late = reply(mine, alice, "Später")
        clock.shift(capabilities.delete_window.total_seconds() + 1)
        with pytest.raises(CapabilityRefused) as refused:
            services.delete_message(mine, late.seq, actor=me)
        assert refused.value.code == "channel_delete_window_passed"


# --- delivery --------------------------------------------------------------------------------


def test_a_reply_reaches_the_contact_and_shows_sent(case, mine, alice):
    with capture_events() as events:
        sent = reply(mine, alice, "Ist unterwegs")

    assert state_of(sent).delivery_state == DeliveryState.SENT
    assert any("Ist unterwegs" in body for body in case.delivered(events))


def test_a_transient_failure_is_retried_until_it_succeeds(case, mine, alice, clock):
    if not queued(case):
        pytest.skip(f"{case.kind} delivers live, without delivery rows")
    case.fail(permanent=False, times=2)
    with capture_events():
        sent = reply(mine, alice)
    assert state_of(sent).delivery_state == DeliveryState.QUEUED

    for _ in range(2):
        clock.shift(3600)
        with capture_events() as events:
            delivery.sweep()

    assert state_of(sent).delivery_state == DeliveryState.SENT
    assert case.delivered(events) == ["Antwort"]


def test_a_permanent_failure_fails_at_once_with_a_reason(case, mine, alice, clock):
    if not queued(case):
        pytest.skip(f"{case.kind} delivers live, without delivery rows")
    case.fail(permanent=True)
    with capture_events() as events:
        sent = reply(mine, alice)
    clock.shift(3600)
    with capture_events():
        delivery.sweep()

    message = state_of(sent)
    assert message.delivery_state == DeliveryState.FAILED and message.delivery_error
    assert sent.conversation.messages.get(entry=sent).delivery.attempts == 1
    assert case.delivered(events) == []
