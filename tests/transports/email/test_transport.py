"""The e-mail transport's mail: addressed, threaded and identified the way a reply must be, so
the contact's client threads it and a re-sent delivery is recognised as the same mail."""

from __future__ import annotations

import pytest

from messagecenter.conversations import delivery, inbound, services
from messagecenter.conversations.models import DeliveryState, Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.email.compose import find_reply_token
from tests.conftest import capture_events
from tests.transports.contract import EmailCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(smtp_sink):
    return EmailCase(registry.get("email"), smtp_sink)


@pytest.fixture
def connection(case, widget):
    return case.connect(widget)


@pytest.fixture
def conversation(case, connection, alice):
    message = case.transport.parse(connection, case.request(1, "Wo bleibt mein Paket?"))
    conversation = inbound.receive(connection, message).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def reply(conversation, alice, body="Ist **unterwegs**"):
    with capture_events():
        return services.post_operator_message(conversation, body, actor=Actor.for_operator(alice))


def test_a_reply_is_a_threaded_mail_from_the_operator_via_the_channel(case, conversation, alice):
    reply(conversation, alice)

    [mail] = case.helper.messages
    assert str(mail["To"]) == "Kim Berg <kim@example.com>"
    assert mail["From"].addresses[0].display_name == f"{alice.name} via Acme Support"
    assert mail["From"].addresses[0].addr_spec == "support@acme.test"
    assert str(mail["Subject"]) == "Re: Bestellung 4711"
    assert str(mail["In-Reply-To"]) == "<mail-1@example.com>"
    assert str(mail["References"]) == "<mail-1@example.com>"
    assert find_reply_token(str(mail["Reply-To"])) == conversation.public_id
    assert mail.get_body(("plain",)).get_content().strip() == "Ist **unterwegs**"
    assert "<strong>unterwegs</strong>" in mail.get_body(("html",)).get_content()


def test_the_receipt_is_the_message_id_bounces_find_the_delivery_by(case, conversation, alice):
    sent = reply(conversation, alice)

    row = OutboundDelivery.objects.get(message__entry=sent)
    assert f"<{row.provider_message_id}>" == str(case.helper.messages[0]["Message-ID"])


def test_a_retried_delivery_carries_the_same_message_id(case, conversation, alice, clock):
    case.fail(permanent=False)
    sent = reply(conversation, alice)
    clock.shift(3600)
    with capture_events():
        delivery.sweep()
    row = OutboundDelivery.objects.get(message__entry=sent)
    first_id = str(case.helper.messages[0]["Message-ID"])

    # Sent again after a crash: the same Message-ID, so the recipient drops the copy.
    outbound = delivery._outbound(row, attempt=3)
    assert str(case.transport.compose(outbound)["Message-ID"]) == first_id
    assert row.attempts == 2


def test_later_mails_reference_the_whole_thread(case, connection, conversation, alice):
    reply(conversation, alice, "Erste Antwort")
    second = case.transport.parse(connection, case.request(2, "Danke, und die Rechnung?"))
    second = second.__class__(**{**second.__dict__, "conversation": conversation.public_id})
    inbound.receive(connection, second)

    reply(conversation, alice, "Kommt per Post")

    ours_first = str(case.helper.messages[0]["Message-ID"]).strip("<>")
    latest = case.helper.messages[1]
    assert str(latest["In-Reply-To"]) == "<mail-2@example.com>"
    assert str(latest["References"]) == (
        f"<mail-1@example.com> <{ours_first}> <mail-2@example.com>"
    )


def test_a_refused_recipient_fails_the_message_with_the_servers_reason(case, conversation, alice):
    case.fail(permanent=True)

    sent = reply(conversation, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "550 5.1.1" in message.delivery_error


def test_a_channel_without_smtp_fails_the_delivery_at_once(case, connection, conversation, alice):
    connection.config = {**connection.config, "smtp": None}
    connection.save()

    sent = reply(conversation, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "SMTP" in message.delivery_error
    assert case.helper.messages == []


def test_a_disconnected_channel_sends_nothing(case, connection, conversation, alice):
    connection.is_active = False
    connection.save()

    sent = reply(conversation, alice)

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == DeliveryState.FAILED
    assert "disconnected" in message.delivery_error
    assert case.helper.messages == []


@pytest.mark.parametrize(
    ("subject", "answers", "expected"),
    [
        ("Bestellung", "<m@x>", "Re: Bestellung"),
        ("AW: Bestellung", "<m@x>", "AW: Bestellung"),
        ("Bestellung", None, "Bestellung"),
        ("", "<m@x>", "Your message to Acme Support"),
    ],
)
def test_the_subject_of_a_reply(subject, answers, expected):
    from messagecenter.transports.email.transport import reply_subject

    assert reply_subject(subject, "Acme Support", answers) == expected
