"""R-CONTACT-2 end to end: the "continue the conversation" link of the unread-reply e-mail.

The mail is written by Django's file e-mail backend, parsed like a mail client would, and its
link is opened in Chromium on another device (no messenger storage).
"""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from messagecenter.contacts.models import Contact
from messagecenter.conversations import unread
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core import clock
from messagecenter.transports.webchat import visitors
from tests.helpers import conversation_in
from tests.webchat.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mailed_link(folder) -> str:
    [path] = list(folder.iterdir())
    raw = path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[0]
    message = email.message_from_bytes(raw, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def test_continue_link_shows_the_history_and_verifies_the_address(
    page, site, widget, contact, alice, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.PUBLIC_URL = site
    conversation = conversation_in(Status.WAITING, widget, contact, alice)
    with time_machine.travel(clock.now() + timedelta(minutes=11), tick=False):
        assert unread.email_unread_replies() == 1
    link = mailed_link(tmp_path)
    assert "continue=" in link

    page.goto(link)

    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_text("Wie kann ich helfen?")).to_be_visible()
    expect(messenger.get_by_text("Hallo, ich brauche Hilfe")).to_be_visible()
    verified = contact.identities.filter(kind="email", verified_at__isnull=False)
    assert eventually(verified.exists)
    assert verified.get().verified_via == "email_link"
    assert "continue=" not in page.url  # used once, never replayed or recorded as a page view
    token = page.evaluate(f"JSON.parse(localStorage.getItem('mc-messenger:{widget.key}')).token")
    # A fresh contact token for this device, not the link's continue token.
    assert visitors.contact_from_token(widget, token) == contact
    assert token != parse_qs(urlsplit(link).query)["continue"][0]

    # Writing continues the same conversation of the same contact.
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Danke, das hilft!")
    composer.press("Enter")
    eventually(lambda: conversation.messages.filter(body="Danke, das hilft!").exists())
    assert Conversation.objects.count() == 1 and Contact.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN

    # The operator's sidebar shows the verified address.
    operator = Client()
    operator.force_login(alice)
    html = operator.get(reverse("conversation", args=[conversation.public_id])).content.decode()
    assert re.search(r'for="contact-email">E-mail <span class="badge[^"]*" data-verified>', html)
