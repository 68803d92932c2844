"""An incoming mail into the conversation domain: threading, once only, bounces, auto-replies,
attachments and tombstones (``transports.email.inbound.ingest``)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from messagecenter.archive.services import delete_conversation
from messagecenter.contacts.gdpr import erase_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message, OutboundDelivery, Status
from messagecenter.transports.email import inbound
from messagecenter.transports.email.compose import make_reply_token
from messagecenter.transports.email.inbound import Outcome, ingest
from messagecenter.transports.email.models import InboundMail, MailAttachment, Mailbox
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(widget):
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        config={"address": "support@acme.example", "inbound": "webhook"},
    )


def mail(
    body="Hallo, meine Rechnung fehlt.",
    *,
    sender="Kim Kunde <kim@example.com>",
    subject="Rechnung März",
    message_id="<m1@example.com>",
    to="support@acme.example",
    **headers,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def reply_from_operator(conversation, operator, message_id: str) -> Message:
    """An operator's reply the transport sent with ``message_id`` (its Receipt)."""
    actor = as_actor(operator)
    services.assign_operator(conversation, operator, actor=actor)
    entry = services.post_operator_message(conversation, "Wir kümmern uns.", actor=actor)
    OutboundDelivery.objects.filter(message=entry.message).update(
        state="sent", provider_message_id=message_id
    )
    return entry.message


def test_a_first_mail_starts_a_conversation_with_the_new_part_and_the_sender(channel):
    raw = mail(
        "Hallo, meine Rechnung fehlt.\n\nAm 1. März 2026 schrieb Support <support@acme.example>:\n"
        "> Ihre Rechnung kommt.\n"
    )

    result = ingest(channel, raw)

    assert result.outcome == Outcome.MESSAGE
    conversation = result.received.conversation
    assert conversation.subject == "Rechnung März"
    assert conversation.connection == channel
    assert result.received.contact.name == "Kim Kunde"
    message = result.received.entry.message
    assert message.body == "Hallo, meine Rechnung fehlt."
    assert message.provider_message_id == "m1@example.com"
    details = InboundMail.objects.get(message=message)
    assert "Ihre Rechnung kommt." in details.quoted_text


def test_the_same_mail_twice_is_one_message(channel):
    first = ingest(channel, mail())
    second = ingest(channel, mail())

    assert second.outcome == Outcome.DUPLICATE
    assert second.received.entry.pk == first.received.entry.pk
    assert Message.objects.count() == 1


def test_a_mail_without_message_id_dedupes_by_its_bytes(channel):
    raw = mail(message_id=None)

    assert ingest(channel, raw).outcome == Outcome.MESSAGE
    assert ingest(channel, raw).outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 1


def test_our_reply_token_threads_a_reply_even_with_a_new_subject(channel):
    first = ingest(channel, mail()).received.conversation
    token = make_reply_token(first.public_id)
    reply = mail(
        "Noch eine Frage",
        subject="Ganz anderes Thema",
        message_id="<m2@example.com>",
        to=f"support+{token}@acme.example",
    )

    result = ingest(channel, reply)

    assert result.received.conversation.pk == first.pk
    assert Conversation.objects.count() == 1


def test_a_stranger_with_our_reply_token_starts_their_own_conversation(channel):
    first = ingest(channel, mail()).received.conversation
    token = make_reply_token(first.public_id)
    forwarded = mail(
        sender="Lee <lee@example.org>",
        message_id="<s1@example.org>",
        to=f"support+{token}@acme.example",
    )

    result = ingest(channel, forwarded)

    assert result.received.conversation.pk != first.pk
    assert result.received.contact.pk != first.contact_id


def test_outlook_trimmed_references_thread_by_our_sent_message_id(channel, alice):
    conversation = ingest(channel, mail()).received.conversation
    reply_from_operator(conversation, alice, "op1.abc@acme.example")
    # Outlook keeps the first and the newest ids; no token anywhere (answered to From).
    answer = mail(
        "Danke!",
        subject="AW: Rechnung März",
        message_id="<m3@example.com>",
        In_Reply_To="<op1.abc@acme.example>",
        References="<m1@example.com> <op1.abc@acme.example>",
    )

    result = ingest(channel, answer)

    assert result.received.conversation.pk == conversation.pk


def test_gmail_full_references_thread_by_an_earlier_inbound_message(channel):
    conversation = ingest(channel, mail()).received.conversation
    ingest(channel, mail("Zweite", message_id="<m2@example.com>", References="<m1@example.com>"))
    third = mail(
        "Dritte",
        subject="Re: Re: Rechnung März",
        message_id="<m3@example.com>",
        In_Reply_To="<m2@example.com>",
        References="<m1@example.com> <m2@example.com>",
    )

    assert ingest(channel, third).received.conversation.pk == conversation.pk
    assert Message.objects.filter(conversation=conversation).count() == 3


def test_a_stranger_answering_in_the_thread_starts_their_own_conversation(channel):
    conversation = ingest(channel, mail()).received.conversation
    stranger = mail(
        sender="lee@example.org",
        subject="Re: Rechnung März",
        message_id="<s2@example.org>",
        In_Reply_To="<m1@example.com>",
        References="<m1@example.com>",
    )

    result = ingest(channel, stranger)

    assert result.received.conversation.pk != conversation.pk


def test_the_same_sender_and_subject_within_the_window_joins(channel, clock):
    conversation = ingest(channel, mail()).received.conversation
    clock.shift(3 * 86400)

    again = ingest(channel, mail("Nachtrag", subject="Fwd: Rechnung  MÄRZ", message_id="<m4@x>"))

    assert again.received.conversation.pk == conversation.pk


def test_the_same_subject_after_the_window_starts_a_new_conversation(channel, clock, settings):
    settings.EMAIL_SUBJECT_WINDOW_DAYS = 14
    conversation = ingest(channel, mail()).received.conversation
    clock.shift(15 * 86400)

    later = ingest(channel, mail("Nachtrag", message_id="<m5@x>"))

    assert later.received.conversation.pk != conversation.pk


def test_a_stranger_with_a_known_subject_starts_their_own_conversation(channel):
    conversation = ingest(channel, mail()).received.conversation

    other = ingest(channel, mail(sender="lee@example.org", message_id="<s3@example.org>"))

    assert other.received.conversation.pk != conversation.pk


def test_a_reply_to_an_old_ended_conversation_reopens_it(channel, alice, clock):
    conversation = ingest(channel, mail()).received.conversation
    reply_from_operator(conversation, alice, "op2.abc@acme.example")
    services.end_conversation(conversation, actor=as_actor(alice))
    clock.shift(200 * 86400)
    answer = mail("Nach langer Zeit", message_id="<m6@x>", In_Reply_To="<op2.abc@acme.example>")

    result = ingest(channel, answer)

    assert result.received.conversation.pk == conversation.pk
    assert result.received.conversation.status == Status.OPEN


def test_a_forwarded_mail_from_the_contact_is_a_message_of_its_own(channel):
    forwarded = mail(
        "---------- Forwarded message ---------\nFrom: Lee <lee@example.org>\nHallo",
        subject="Fwd: Angebot",
        message_id="<f1@example.com>",
    )

    result = ingest(channel, forwarded)

    assert result.outcome == Outcome.MESSAGE
    assert result.received.contact.identities.get().value == "kim@example.com"


def test_an_auto_reply_is_counted_not_a_message(channel):
    result = ingest(channel, mail("Ich bin im Urlaub", Auto_Submitted="auto-replied"))

    assert result.outcome == Outcome.AUTO_REPLY
    assert not Message.objects.exists()
    assert Mailbox.objects.get(connection=channel).auto_replies == 1


def test_our_own_mail_coming_back_is_a_loop(channel):
    loop = inbound.loop_id(channel.account)

    result = ingest(channel, mail(X_MC_Loop=loop))

    assert result.outcome == Outcome.LOOP
    assert not Message.objects.exists()


def _bounce(original: str) -> bytes:
    return f"""From: MAILER-DAEMON@mx.example.com
To: support@acme.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system. Your mail could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; kim@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <kim@example.com>: user unknown

--b
Content-Type: text/rfc822-headers

Message-ID: <{original}>
Subject: Re: Rechnung

--b--
""".encode()


def test_a_bounce_marks_the_original_message_failed_with_its_reason(channel, alice):
    conversation = ingest(channel, mail()).received.conversation
    sent = reply_from_operator(conversation, alice, "op3.abc@acme.example")

    result = ingest(channel, _bounce("op3.abc@acme.example"))

    assert result.outcome == Outcome.BOUNCE
    sent.refresh_from_db()
    assert sent.delivery_state == "failed"
    assert "user unknown" in sent.delivery_error
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_attachments_are_stored_and_inline_images_point_to_them(channel):
    msg = EmailMessage()
    msg["From"] = "kim@example.com"
    msg["To"] = "support@acme.example"
    msg["Subject"] = "Screenshot"
    msg["Message-ID"] = "<a1@example.com>"
    msg.set_content("Siehe Bild")
    msg.add_alternative(
        '<p>Siehe <img src="cid:shot@x"> und <img src="https://tracker.example/p.gif"></p>',
        subtype="html",
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    msg.get_payload()[1].add_related(png, "image", "png", cid="<shot@x>", filename="shot.png")
    msg.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="r.pdf")

    message = ingest(channel, bytes(msg)).received.entry.message

    attachments = list(MailAttachment.objects.filter(message=message).select_related("file"))
    assert sorted(a.file.original_name for a in attachments) == ["r.pdf", "shot.png"]
    shot = next(a for a in attachments if a.content_id == "shot@x")
    assert f"/channels/email/files/{shot.file.public_id}" in message.html
    assert "cid:" not in message.html
    assert 'data-mc-remote-src="https://tracker.example/p.gif"' in message.html
    assert attachments[0].file.contact_id == message.conversation.contact_id


def test_a_deleted_conversation_is_not_recreated_when_its_mails_come_again(channel, alice):
    conversation = ingest(channel, mail()).received.conversation
    services.end_conversation(conversation, actor=as_actor(alice))
    delete_conversation(conversation, actor=as_actor(alice))

    again = ingest(channel, mail())

    assert again.outcome == Outcome.TOMBSTONED
    assert not Conversation.objects.exists()


def test_an_erased_contacts_mails_stay_gone(channel, alice):
    received = ingest(channel, mail()).received
    erase_contact(received.contact, actor=as_actor(alice))

    assert ingest(channel, mail()).outcome == Outcome.TOMBSTONED
    assert not Message.objects.exists()


def test_not_a_mail_is_an_outcome_not_an_exception(channel):
    assert ingest(channel, b"").outcome == Outcome.UNREADABLE


def test_an_attachment_over_the_upload_limit_is_named_not_blocking(channel, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    msg = EmailMessage()
    msg["From"] = "kim@example.com"
    msg["Subject"] = "Großes Video"
    msg["Message-ID"] = "<big@example.com>"
    msg.set_content("Anbei")
    msg.add_attachment(b"\x00" * 5000, maintype="video", subtype="mp4", filename="film.mp4")
    msg.add_attachment(b"%PDF-1.4 ok", maintype="application", subtype="pdf", filename="r.pdf")

    message = ingest(channel, bytes(msg)).received.entry.message

    assert [a.file.original_name for a in MailAttachment.objects.filter(message=message)] == [
        "r.pdf"
    ]
    skipped = InboundMail.objects.get(message=message).skipped_attachments
    assert [(s["filename"], s["size"]) for s in skipped] == [("film.mp4", 5000)]


def test_a_blocked_contacts_mail_is_refused_not_an_error(channel, alice):
    from messagecenter.contacts.models import Contact

    ingest(channel, mail())
    Contact.objects.update(blocked=True)

    result = ingest(channel, mail("Wieder da", message_id="<m9@example.com>"))

    assert result.outcome == Outcome.REFUSED
    assert Message.objects.count() == 1
