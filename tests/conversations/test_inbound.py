"""One inbound entry point for every channel: who wrote (by identity), where it belongs (by
connection and thread), exactly once (by provider message id, decided by the database)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from messagecenter.contacts.models import Contact, ContactIdentity
from messagecenter.conversations import inbound
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.errors import NotFound, ValidationFailed
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.helpers import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(widget):
    return ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")


def mail(body="Hallo", *, sender="Kim@Example.com", provider_id=None, thread="", **more):
    return InboundMessage(
        body=body,
        identity_kind="email",
        identity_value=sender,
        provider_message_id=provider_id,
        thread_key=thread,
        contact_name="Kim",
        **more,
    )


def test_a_first_message_creates_the_contact_with_its_identity(mailbox):
    received = inbound.receive(mailbox, mail(provider_id="<1@x>", thread="t1", subject="Rechnung"))

    contact = received.contact
    assert contact.name == "Kim"
    assert ContactIdentity.objects.get(contact=contact).value == "kim@example.com"
    assert received.conversation.connection == mailbox
    assert received.conversation.subject == "Rechnung"
    assert received.entry.message.connection == mailbox
    assert received.entry.seq == 1 and received.duplicate is False


def test_a_known_identity_finds_its_contact(mailbox, contact):
    received = inbound.receive(mailbox, mail(sender="CLARA@example.com", thread="t1"))

    assert received.contact == contact
    assert Contact.objects.count() == 1


def test_the_same_provider_message_twice_is_stored_once(mailbox):
    first = inbound.receive(mailbox, mail(provider_id="<1@x>", thread="t1"))

    again = inbound.receive(mailbox, mail(provider_id="<1@x>", thread="t1"))

    assert again.duplicate is True
    assert (again.entry.pk, again.entry.seq) == (first.entry.pk, first.entry.seq)
    assert Message.objects.count() == 1


def test_a_thread_continues_its_conversation_and_a_new_thread_starts_one(mailbox):
    first = inbound.receive(mailbox, mail("Frage", provider_id="<1@x>", thread="t1"))
    reply = inbound.receive(mailbox, mail("Noch was", provider_id="<2@x>", thread="t1"))
    other = inbound.receive(mailbox, mail("Neues Thema", provider_id="<3@x>", thread="t2"))

    assert reply.conversation.pk == first.conversation.pk and reply.entry.seq > 1
    assert other.conversation.pk != first.conversation.pk


def test_another_sender_in_a_thread_never_joins_its_conversation(mailbox):
    first = inbound.receive(mailbox, mail(provider_id="<1@x>", thread="t1"))

    stranger = inbound.receive(
        mailbox, mail(sender="eve@example.com", provider_id="<2@x>", thread="t1")
    )

    assert stranger.conversation.pk != first.conversation.pk
    assert stranger.contact != first.contact


def test_a_conversation_of_another_channel_is_never_appended_to(mailbox, widget, contact):
    chat = start(widget, contact)

    with pytest.raises(NotFound):
        inbound.receive(mailbox, mail(sender="clara@example.com", conversation=chat.public_id))

    assert chat.messages.count() == 1


def test_an_identity_the_channel_does_not_use_is_refused(mailbox):
    with pytest.raises(ValidationFailed):
        inbound.receive(
            mailbox, InboundMessage(body="x", identity_kind="phone", identity_value="1")
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_store_it_once(mailbox, contact):
    """GIVEN a provider that delivers one message four times at once (a webhook retried
    while the first was still running) THEN all four answer with the same entry and seq, one
    message exists, and nobody gets an error."""
    barrier = threading.Barrier(4)
    results, errors = [], []

    def deliver():
        try:
            barrier.wait(timeout=10)
            received = inbound.receive(
                mailbox, mail(sender="clara@example.com", provider_id="<dup@x>", thread="t")
            )
            results.append((received.entry.pk, received.entry.seq))
        except Exception as error:  # the assertion below shows what failed
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1
    assert Message.objects.filter(provider_message_id="<dup@x>").count() == 1
    assert Conversation.objects.count() == 1


def test_a_transports_sanitised_html_is_what_operators_see(mailbox):
    received = inbound.receive(
        mailbox, mail("Hallo Welt", thread="t1", html="<p>Hallo <strong>Welt</strong></p>")
    )
    follow_up = inbound.receive(mailbox, mail("Nur Text", thread="t1"))

    assert received.entry.message.html == "<p>Hallo <strong>Welt</strong></p>"
    assert follow_up.entry.message.html == "<p>Nur Text</p>"
