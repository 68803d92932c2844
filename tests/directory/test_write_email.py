"""Write e-mail from the contact profile (R-CONTACT-5): a new conversation on the e-mail
channel whose first message reaches the contact as a mail, through the delivery rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Conversation, DeliveryState, Message, Status
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.transports.email.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def channel(widget, sink):
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        name="Acme Support",
        config={
            "address": "support@acme.test",
            "name": "Acme Support",
            "inbound": "webhook",
            "smtp": {"host": "127.0.0.1", "port": sink.port, "security": "none"},
        },
    )


def write(client, contact, channel, **changes):
    data = {"connection": channel.public_id, "subject": "Ihre Rücksendung", "body": "Hallo Clara!"}
    posted = {f"email-{name}": value for name, value in (data | changes).items()}
    with capture_events():
        return client.post(reverse("contact_write_email", args=[contact.public_id]), posted)


def test_the_profile_offers_write_email_with_a_channel_and_an_address(
    bob_client, account, contact, channel
):
    nameless = create_contact(account, name="Ohne Adresse")

    mine = bob_client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()
    other = bob_client.get(reverse("contact_profile", args=[nameless.public_id])).content.decode()

    assert "Write e-mail" in mine
    assert "Write e-mail" not in other and "The contact has no e-mail address." in other


def test_no_write_email_without_a_connected_channel(bob_client, contact, channel):
    channel.is_active = False
    channel.save()

    html = bob_client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()

    assert "Write e-mail" not in html and "No e-mail channel connected." in html


def test_writing_starts_a_conversation_and_mails_the_contact(
    bob_client, bob, contact, channel, sink
):
    response = write(bob_client, contact, channel)

    conversation = Conversation.objects.get(contact=contact)
    assert response["Location"] == reverse("conversation", args=[conversation.public_id])
    assert conversation.connection == channel and conversation.widget == channel.widget
    assert (conversation.status, conversation.assigned_operator) == (Status.WAITING, bob)
    message = Message.objects.get(conversation=conversation, author_kind="operator")
    assert message.delivery_state == DeliveryState.SENT
    [mail] = sink.messages
    assert str(mail["To"]) == "Clara Kundin <clara@example.com>"
    assert str(mail["Subject"]) == "Ihre Rücksendung"  # a first mail answers nothing: no "Re:"
    assert mail["From"].addresses[0].display_name == f"{bob.name} via Acme Support"
    assert mail.get_body(("plain",)).get_content().strip() == "Hallo Clara!"


def test_a_missing_subject_is_shown_in_the_dialog(bob_client, contact, channel, sink):
    response = write(bob_client, contact, channel, subject="")

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="email-dialog" aria-labelledby="email-title" open data-show-on-load' in html
    assert 'id="id_email-subject_error"' in html
    assert not Conversation.objects.filter(contact=contact).exists() and sink.messages == []


def test_another_accounts_channel_cannot_be_used(charlie_client, contact, channel):
    response = write(charlie_client, contact, channel)

    assert response.status_code == 404
    assert not Conversation.objects.exists()
