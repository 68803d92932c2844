"""E-mail text parts are plain text (no HTML entities), and transcripts show the recipient's
times: the contact's browser time zone, else the account's. The tests parse the mails."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy

import pytest
from django.core import mail
from django.urls import reverse

from messagecenter.accounts.services import set_account_time_zone
from messagecenter.contacts import tracking
from messagecenter.conversations import services, transcripts, unread
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db

TRICKY = 'I\'m sure: 3 < 4 & <b>bold</b> "quoted"'


def parts(message) -> tuple[str, str]:
    """The text and HTML parts as a mail client decodes them."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.fixture
def tricky(clock, widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)
    services.post_operator_message(conversation, TRICKY, actor=Actor.for_operator(alice))
    return conversation


def test_unread_reply_text_part_is_the_message_text(clock, tricky):
    clock.shift(timedelta(minutes=11))
    assert unread.email_unread_replies() == 1

    text, html = parts(mail.outbox[0])

    assert TRICKY in text
    assert "&#x27;" not in text and "&lt;" not in text and "&amp;" not in text
    assert "I&#x27;m" in html or "I’m" in html or "I'm" in html  # HTML stays escaped HTML
    assert "<b>bold</b>" not in html


def test_transcript_text_part_is_plain_and_in_the_contacts_time_zone(
    clock, tricky, contact, widget
):
    tracking.record_time_zone(contact, widget, "America/New_York")
    tricky.refresh_from_db()

    _subject, text, html = transcripts.render(tricky)

    assert TRICKY in text and "&#x27;" not in text
    # The clock fixture stands at 2026-03-02 09:00 UTC: 04:00 in New York (EST).
    assert "[2026-03-02 04:00 America/New_York]" in text
    assert "2026-03-02 04:00 America/New_York" in html
    assert " UTC" not in text


def test_transcript_falls_back_to_the_account_time_zone(clock, tricky, account, alice):
    set_account_time_zone(account, "Asia/Tokyo", actor=Actor.for_operator(alice))
    tricky.refresh_from_db()

    _subject, text, _html = transcripts.render(tricky)

    assert "[2026-03-02 18:00 Asia/Tokyo]" in text


def test_account_time_zone_defaults_to_utc_and_is_validated(account, alice, bob):
    assert account.time_zone == "UTC"
    with pytest.raises(ValidationFailed):
        set_account_time_zone(account, "Mars/Olympus", actor=Actor.for_operator(alice))
    with pytest.raises(PermissionDenied):
        set_account_time_zone(account, "Europe/Berlin", actor=Actor.for_operator(bob))


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "x" * 65])
def test_unknown_browser_time_zones_are_ignored(contact, widget, name):
    tracking.record_time_zone(contact, widget, name)
    contact.refresh_from_db()
    assert contact.time_zone == ""


def test_privacy_mode_records_no_time_zone(contact, widget):
    widget.privacy_mode = True
    tracking.record_time_zone(contact, widget, "Europe/Berlin")
    contact.refresh_from_db()
    assert contact.time_zone == ""


def test_admin_sets_the_account_time_zone_in_settings(client, account, alice, bob):
    client.force_login(alice)
    url = reverse("settings_account")
    page = client.get(url).content.decode()
    assert re.search(r'<option value="UTC" selected>', page)

    fields = {"name": account.name, "default_language": "en"}
    client.post(url, {**fields, "time_zone": "Europe/Vienna"})
    account.refresh_from_db()
    assert account.time_zone == "Europe/Vienna"
    assert client.post(url, {**fields, "time_zone": "Nowhere/Land"}).status_code == 400

    client.force_login(bob)
    assert client.get(url).status_code in (403, 404)
