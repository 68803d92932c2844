"""R-CONV-10 verification codes, transcripts and ratings; e-mail through a real SMTP server."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from messagecenter.contacts import verification
from messagecenter.contacts.models import VerificationCode
from messagecenter.conversations import ratings, services, transcripts
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, NotFound, ValidationFailed
from tests.helpers import contact_opens_messenger, conversation_in

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost; the product sends through Django's SMTP backend."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def sent_code(content: str) -> str:
    return re.search(r"\b(\d{6})\b", content).group(1)


@pytest.fixture
def mine(widget, contact, alice):
    return conversation_in(Status.OPEN, widget, contact, alice)


def test_code_arrives_by_smtp_and_verifies(smtp, mine, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = verification.start_verification(
            mine.contact, None, actor=Actor.for_operator(alice)
        )
    [(recipients, content)] = smtp.messages
    assert recipients == ["clara@example.com"]
    code = sent_code(content)
    assert code not in record.code_hash  # stored hashed, never in clear
    identity = verification.submit_code(mine.contact, code, actor=Actor.for_contact(mine.contact))
    assert identity.verified_at is not None and identity.verified_via == "code"


def start(mine, alice, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        verification.start_verification(mine.contact, None, actor=Actor.for_operator(alice))
    return sent_code(mail.outbox[-1].body)


def test_codes_expire_after_15_minutes(clock, mine, alice, django_capture_on_commit_callbacks):
    code = start(mine, alice, django_capture_on_commit_callbacks)
    clock.shift(timedelta(minutes=15, seconds=1))
    with pytest.raises(InvalidTransition, match="expired"):
        verification.submit_code(mine.contact, code, actor=Actor.for_contact(mine.contact))


def test_five_wrong_attempts_kill_the_code(mine, alice, django_capture_on_commit_callbacks):
    code = start(mine, alice, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    them = Actor.for_contact(mine.contact)
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationFailed, match=f"{left} attempts left"):
            verification.submit_code(mine.contact, wrong, actor=them)
    with pytest.raises(ValidationFailed, match="Too many wrong attempts"):
        verification.submit_code(mine.contact, wrong, actor=them)
    with pytest.raises(InvalidTransition, match="no code"):
        verification.submit_code(mine.contact, code, actor=them)  # even the right one is dead
    assert not mine.contact.identities.filter(verified_at__isnull=False).exists()


def test_new_code_replaces_the_old(mine, alice, django_capture_on_commit_callbacks):
    first = start(mine, alice, django_capture_on_commit_callbacks)
    second = start(mine, alice, django_capture_on_commit_callbacks)
    assert (
        VerificationCode.objects.filter(contact=mine.contact, invalidated_at__isnull=True).count()
        == 1
    )
    if first != second:
        with pytest.raises(ValidationFailed):
            verification.submit_code(mine.contact, first, actor=Actor.for_contact(mine.contact))
    verification.submit_code(mine.contact, second, actor=Actor.for_contact(mine.contact))


def test_other_account_cannot_start_verification(mine, charlie):
    with pytest.raises(NotFound):
        verification.start_verification(mine.contact, None, actor=Actor.for_operator(charlie))


def test_transcript_in_conversation_language_marks_deletions_and_omits_notes(mine, alice):
    from messagecenter.conversations import notes

    me = Actor.for_operator(alice)
    mine = services.set_locale(mine, "de", actor=me)
    oops = services.post_operator_message(mine, "Geheimer Gutscheincode", actor=me)
    services.delete_message(mine, oops.seq, actor=me)
    notes.add_note(mine, "interne Notiz", actor=me)
    subject, text, html = transcripts.render(mine)
    assert subject == "Ihre Unterhaltung mit Acme"
    assert "[Diese Nachricht wurde gelöscht]" in text and "Geheimer" not in text
    assert "interne Notiz" not in text and "interne Notiz" not in html
    assert "Hallo, ich brauche Hilfe" in text


def test_transcript_of_an_ended_conversation_goes_at_once(
    smtp, mine, alice, django_capture_on_commit_callbacks
):
    services.end_conversation(mine, actor=Actor.for_operator(alice))
    with django_capture_on_commit_callbacks(execute=True):
        transcripts.request_transcript(mine, actor=Actor.for_operator(alice), to_contact=True)
    assert [recipients for recipients, _ in smtp.messages] == [["clara@example.com"]]
    # A retried job sends nothing twice: the request was claimed.
    assert transcripts.send_pending(mine.pk) == 0


def test_rating_flow(mine, alice, contact):
    them = Actor.for_contact(contact)
    with pytest.raises(InvalidTransition, match="No rating was requested"):
        ratings.submit_rating(mine, 5, actor=them)
    contact_opens_messenger(contact)
    ratings.request_rating(mine, actor=Actor.for_operator(alice))
    with pytest.raises(ValidationFailed):
        ratings.submit_rating(mine, 6, actor=them)
    ratings.submit_rating(mine, 4, "Schnell und freundlich", actor=them)
    mine.refresh_from_db()
    assert (mine.rating, mine.feedback) == (4, "Schnell und freundlich")
