"""An operator's files in a mail reply: MIME attachments within the channel's 25 MB, a lasting
download link in the text above it."""

from __future__ import annotations

import dataclasses

import pytest

from messagecenter.conversations import inbound, services
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.email.transport import EmailTransport
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_upload
from tests.transports.contract import EmailCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(smtp_sink):
    return EmailCase(registry.get("email"), smtp_sink)


@pytest.fixture
def conversation(case, widget, alice):
    connection = case.connect(widget)
    message = case.transport.parse(connection, case.request(1, "Wo bleibt mein Paket?"))
    conversation = inbound.receive(connection, message).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_the_files_are_attached_to_the_mail(case, conversation, alice):
    send(conversation, alice, "Anbei der Lieferschein", [finished_upload(alice, "ls.txt", b"LS 1")])

    [mail] = case.helper.messages
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "ls.txt" and part.get_content() == "LS 1"
    assert mail.get_body(("plain",)).get_content().strip() == "Anbei der Lieferschein"


def test_a_file_over_the_mail_limit_goes_as_a_link(
    case, conversation, alice, monkeypatch, settings
):
    settings.PUBLIC_URL = "https://support.acme.test"
    small = dataclasses.replace(EmailTransport.capabilities, max_file_bytes=3)
    monkeypatch.setattr(EmailTransport, "capabilities", small)
    send(conversation, alice, "Zu groß", [finished_upload(alice, "gross.txt", b"12345")])

    [mail] = case.helper.messages
    assert not list(mail.iter_attachments())
    text = mail.get_body(("plain",)).get_content()
    assert "gross.txt: https://support.acme.test/f/" in text
