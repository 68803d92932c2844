"""Unread replies are e-mailed once, after the widget's delay, with a link that verifies."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail

from messagecenter.conversations import services, unread
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.transports.webchat.visitors import resolve_visitor
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(clock, widget, contact, alice):
    return conversation_in(Status.WAITING, widget, contact, alice)


def test_unread_reply_is_emailed_once_after_the_delay(clock, replied):
    clock.shift(timedelta(minutes=9))
    assert unread.email_unread_replies() == 0
    clock.shift(timedelta(minutes=2))
    assert unread.email_unread_replies() == 1
    assert unread.email_unread_replies() == 0  # not twice for the same reply
    [message] = mail.outbox
    assert message.to == ["clara@example.com"]
    assert "Wie kann ich helfen?" in message.body


def test_read_replies_are_not_emailed(clock, replied, contact):
    unread.mark_read(replied, replied.last_seq, actor=Actor.for_contact(contact))
    clock.shift(timedelta(minutes=30))
    assert unread.email_unread_replies() == 0


def test_a_new_reply_gets_a_new_email(clock, replied, alice):
    clock.shift(timedelta(minutes=11))
    unread.email_unread_replies()
    services.post_operator_message(replied, "Noch etwas", actor=Actor.for_operator(alice))
    clock.shift(timedelta(minutes=11))
    assert unread.email_unread_replies() == 1
    assert "Noch etwas" in mail.outbox[-1].body and "Wie kann" not in mail.outbox[-1].body


def test_switched_off_per_widget(clock, replied, widget):
    widget.unread_email_delay_minutes = 0
    widget.save()
    clock.shift(timedelta(days=1))
    assert unread.email_unread_replies() == 0


def test_link_continues_the_conversation_and_verifies_the_address(clock, replied, widget, contact):
    clock.shift(timedelta(minutes=11))
    unread.email_unread_replies()
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    token = parse_qs(urlparse(link).query)["continue"][0]
    assert urlparse(link).path == f"/chat/{widget.key}/"

    arrival = resolve_visitor(widget, None, None, token)

    assert arrival.contact == contact and arrival.conversation == replied.public_id
    assert contact.identities.get(kind="email").verified_via == "email_link"


def test_only_the_contact_marks_read(replied, alice):
    with pytest.raises(PermissionDenied):
        unread.mark_read(replied, 1, actor=Actor.for_operator(alice))
