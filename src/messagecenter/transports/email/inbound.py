"""One incoming mail into the conversation domain: ``ingest(connection, raw)``.

Every inbound path (the IMAP worker, the raw-MIME webhook) calls this and nothing else; it
parses the mail and decides what it is:

- **a tombstoned mail** (its conversation was deleted or erased): dropped, never recreated;
- **an auto-reply or our own mail come back** (a loop): counted on the mailbox and logged,
  never a customer message;
- **a bounce**: the original outbound message (found by the Message-ID our SMTP send used,
  kept on its delivery row) is marked failed with the bounce's reason;
- **a customer mail**: an ``InboundMessage`` for ``conversations.inbound.receive``, once per
  Message-ID (the raw mail's hash when it has none).

Where a customer mail belongs, strongest first (``threads.thread_keys``): our reply token, if
it names a conversation of this channel whose contact is the sender; else a conversation of
this connection that holds one of the Message-IDs the mail answers (In-Reply-To, References),
again only the sender's own; else the sender's conversation of this connection with the same
normalised subject, active within ``MC_EMAIL_SUBJECT_WINDOW_DAYS``
(``threads.may_join_by_subject``); else a new conversation. Another person in a thread starts
their own conversation: a thread never joins two people.

The body is the new part of the mail (``reply_text``); the quoted history is kept on
``InboundMail.quoted_text``. Attachments are stored as files (``files.services``) linked to the
message by ``MailAttachment``; inline ``cid:`` images point to their stored file. Remote images
stay blocked (``data-mc-remote-src``) until the operator loads them.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from messagecenter.contacts.models import Contact
from messagecenter.conversations import delivery
from messagecenter.conversations import inbound as conversations_inbound
from messagecenter.conversations.inbound import Received
from messagecenter.conversations.models import (
    Conversation,
    Message,
    OutboundDelivery,
    OutboundState,
)
from messagecenter.conversations.services import MAX_BODY
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.files import services as files
from messagecenter.files.models import StoredFile
from messagecenter.transports.base import InboundMessage
from messagecenter.transports.email import threads
from messagecenter.transports.email.compose import loop_id_for
from messagecenter.transports.email.imap import message_key, raw_key
from messagecenter.transports.email.models import (
    InboundMail,
    MailAttachment,
    Mailbox,
    Tombstone,
)
from messagecenter.transports.email.parse import (
    MailKind,
    MailParseError,
    ParsedMail,
    parse_mail,
    resolve_cid_images,
)

log = logging.getLogger(__name__)

RAW_PREFIX = "sha256:"  # a provider id that is a hash (no Message-ID, or one too long to keep)
_PROVIDER_ID_LENGTH = 200  # Message.provider_message_id


class Outcome:
    MESSAGE = "message"
    DUPLICATE = "duplicate"
    TOMBSTONED = "tombstoned"
    AUTO_REPLY = "auto_reply"
    LOOP = "loop"
    BOUNCE = "bounce"
    UNREADABLE = "unreadable"  # not a mail at all, or no sender to answer
    REFUSED = "refused"  # the domain refused it (a blocked contact…): logged, not retried


@dataclass(frozen=True)
class IngestResult:
    outcome: str
    key: str  # the mail's tombstone/dedupe key (imap.message_key or imap.raw_key)
    received: Received | None = None
    reason: str = ""


def loop_id(account) -> str:
    """Our loop header's value for the account (``compose.loop_id_for`` of its public id):
    the transport writes it on every mail, ingest recognises it coming back."""
    return loop_id_for(account.public_id)


def provider_id(message_id: str | None, raw: bytes) -> str:
    """What ``Message.provider_message_id`` / dedupe keeps for a mail: its Message-ID without
    brackets, or a hash when it has none or one longer than the column."""
    if not message_id:
        return RAW_PREFIX + raw_key(raw)
    if len(message_id) > _PROVIDER_ID_LENGTH:
        return RAW_PREFIX + message_key(message_id)
    return message_id


def key_of(provider_message_id: str) -> str:
    """The tombstone key of a stored provider id (the inverse of ``provider_id``'s choice)."""
    if provider_message_id.startswith(RAW_PREFIX):
        return provider_message_id[len(RAW_PREFIX) :]
    return message_key(provider_message_id)


def ingest(connection, raw: bytes, *, envelope_recipients=()) -> IngestResult:
    """Store one raw mail of ``connection`` (see the module docstring). Raises only for
    failures worth retrying (the database); a mail that can never be stored is an outcome."""
    try:
        mail = parse_mail(raw, loop_ids={loop_id(connection.account)})
    except MailParseError as error:
        log.warning("connection %s: not a mail (%s)", connection.public_id, error)
        return IngestResult(Outcome.UNREADABLE, raw_key(raw), reason=str(error))
    pid = provider_id(mail.message_id, raw)
    key = key_of(pid)
    if Tombstone.objects.filter(connection=connection, key=key).exists():
        return IngestResult(Outcome.TOMBSTONED, key)
    if mail.kind != MailKind.NORMAL:
        return _not_a_customer_message(connection, mail, key)
    earlier = conversations_inbound._already_received(connection, pid)
    if earlier is not None:
        return IngestResult(Outcome.DUPLICATE, key, earlier)
    if mail.sender is None or "@" not in mail.sender.address:
        log.info("connection %s: a mail without a sender address", connection.public_id)
        return IngestResult(Outcome.UNREADABLE, key, reason="no sender")
    # One transaction: the message, its files' rows and details (a crash leaves none of them).
    with transaction.atomic():
        return _customer_message(connection, mail, pid, key, envelope_recipients)


# --- not customer messages ---------------------------------------------------------------------


def _not_a_customer_message(connection, mail: ParsedMail, key: str) -> IngestResult:
    if mail.kind == MailKind.BOUNCE:
        bounce = mail.bounce
        if bounce is not None and bounce.is_failure and bounce.original_message_id:
            marked = delivery.record_status(
                connection,
                provider_message_id=provider_id(bounce.original_message_id, b""),
                state=OutboundState.FAILED,
                reason=bounce.reason,
            )
            log.info(
                "connection %s: bounce for %s (%s)",
                connection.public_id,
                "a sent message" if marked else "an unknown message",
                bounce.reason[:200],
            )
        _count(connection, "bounces")
        return IngestResult(Outcome.BOUNCE, key, reason=bounce.reason if bounce else "")
    outcome = Outcome.LOOP if mail.kind == MailKind.LOOP else Outcome.AUTO_REPLY
    log.info(
        "connection %s: %s not stored (%s)",
        connection.public_id,
        outcome,
        mail.auto_reply_reason or mail.loop_id or "",
    )
    _count(connection, "loops" if outcome == Outcome.LOOP else "auto_replies")
    return IngestResult(outcome, key, reason=mail.auto_reply_reason)


def _count(connection, field: str, by: int = 1) -> None:
    if not Mailbox.objects.filter(connection=connection).update(**{field: F(field) + by}):
        Mailbox.objects.get_or_create(connection=connection)
        Mailbox.objects.filter(connection=connection).update(**{field: F(field) + by})


# --- customer messages -------------------------------------------------------------------------


def _customer_message(connection, mail, pid, key, envelope_recipients) -> IngestResult:
    stored: list[_Stored] = []
    try:
        inbound = _inbound_message(mail, pid)
        # An address our identities refuse, a blocked contact, a conversation gone meanwhile:
        # refusals, logged, never retried (and never a stuck mailbox).
        contact = conversations_inbound.contact_for(connection, inbound)
        conversation = _conversation_of(connection, contact, mail, envelope_recipients)
        stored, skipped = _store_attachments(connection, contact, mail)
        html = resolve_cid_images(inbound.html, _cid_urls(stored)) if inbound.html else ""
        named = conversation.public_id if conversation else ""
        inbound = _with(inbound, conversation=named, html=html)
        received = conversations_inbound.receive(connection, inbound, contact=contact)
    except DomainError as error:
        _discard(stored)
        log.info("connection %s: mail refused (%s)", connection.public_id, error.message)
        return IngestResult(Outcome.REFUSED, key, reason=str(error.message))
    if received.duplicate:
        _discard(stored)
        return IngestResult(Outcome.DUPLICATE, key, received)
    _keep_mail_details(received, mail, stored, skipped)
    _count(connection, "ingested")
    return IngestResult(Outcome.MESSAGE, key, received)


def _inbound_message(mail: ParsedMail, pid: str) -> InboundMessage:
    sender = mail.sender
    assert sender is not None
    name = sender.name or (mail.from_address.name if mail.from_address else "")
    return InboundMessage(
        body=_body(mail),
        identity_kind="email",
        identity_value=sender.address,
        provider_message_id=pid,
        thread_key=_root(mail, pid),
        subject=(mail.subject or "")[:200],
        html=mail.reply_html,
        contact_name=name[:200],
        sent_at=mail.date,
    )


def _with(inbound: InboundMessage, **changes) -> InboundMessage:
    from dataclasses import replace

    return replace(inbound, **changes)


def _body(mail: ParsedMail) -> str:
    """The new part of the mail; a mail that is only attachments (or only quoted) still
    says something, so it is never refused as empty."""
    for text in (mail.reply_text, mail.text, mail.subject):
        text = (text or "").replace("\x00", "").strip()
        if text:
            return text[:MAX_BODY]
    names = ", ".join(a.filename for a in mail.attachments)
    return (names or "(empty mail)")[:MAX_BODY]


def _root(mail: ParsedMail, pid: str) -> str:
    """The thread's first Message-ID (Outlook trims References but keeps the first)."""
    root = (mail.references[0] if mail.references else mail.in_reply_to) or pid
    return root[:200]


# --- which conversation ------------------------------------------------------------------------


def _conversation_of(connection, contact: Contact, mail, envelope_recipients):
    keys = threads.thread_keys(mail, envelope_recipients=envelope_recipients)
    if keys.conversation_id:
        found = _sender_conversation(
            connection, contact, Conversation.objects.filter(public_id=keys.conversation_id)
        )
        if found is not None:
            return found
    if keys.message_ids:
        found = _answered_conversation(connection, contact, keys.message_ids)
        if found is not None:
            return found
    return _by_subject(connection, contact, keys, mail.sender.normalized)


def _sender_conversation(connection, contact, conversations):
    """The first of ``conversations`` that is of this channel and whose contact is the
    sender (the only person "on" a conversation in our model)."""
    conversation = (
        conversations.filter(account_id=connection.account_id, widget_id=connection.widget_id)
        .select_related("contact")
        .first()
    )
    if conversation is None or conversation.contact_id != contact.pk:
        return None
    if not conversations_inbound._continues_here(conversation, connection):
        return None
    return conversation


def _answered_conversation(connection, contact, message_ids):
    ids = [provider_id(i, b"") for i in message_ids]
    # Newest answered id first: the thread's latest message decides.
    for mid in ids:
        inbound = Message.objects.filter(
            account_id=connection.account_id, connection=connection, provider_message_id=mid
        ).values_list("conversation_id", flat=True)
        outbound = OutboundDelivery.objects.filter(
            connection=connection, provider_message_id=mid
        ).values_list("message__conversation_id", flat=True)
        pks = [*inbound[:1], *outbound[:1]]
        if pks:
            found = _sender_conversation(
                connection, contact, Conversation.objects.filter(pk__in=pks)
            )
            if found is not None:
                return found
    return None


def _by_subject(connection, contact, keys: threads.ThreadKeys, sender: str):
    if not keys.subject:
        return None
    since = clock.now() - timedelta(days=settings.EMAIL_SUBJECT_WINDOW_DAYS)
    recent = Conversation.objects.filter(
        account_id=connection.account_id,
        connection=connection,
        contact=contact,
        last_activity_at__gte=since,
    ).order_by("-last_activity_at")[:50]
    for conversation in recent:
        if threads.normalize_subject(conversation.subject) != keys.subject:
            continue
        if threads.may_join_by_subject(sender, _addresses_of(conversation.contact_id)):
            return conversation
    return None


def _addresses_of(contact_id: int) -> list[str]:
    from messagecenter.contacts.models import ContactIdentity

    return list(
        ContactIdentity.objects.filter(contact_id=contact_id, kind="email").values_list(
            "value", flat=True
        )
    )


# --- attachments and details -------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    file: StoredFile
    content_id: str
    inline: bool


def _store_attachments(connection, contact, mail: ParsedMail) -> tuple[list[_Stored], list]:
    """The mail's parts as files, and the ones that could not be (over the upload limit):
    those are named on the message rather than blocking the mailbox."""
    stored, skipped = [], []
    actor = Actor.for_contact(contact)
    for attachment in mail.attachments:
        if not attachment.content:
            continue  # an empty part carries nothing to keep
        try:
            file = files.store_file(
                connection.account,
                io.BytesIO(attachment.content),
                attachment.filename,
                actor=actor,
                contact=contact,
                max_bytes=settings.MAX_UPLOAD_BYTES,
            )
        except ValidationFailed as error:
            skipped.append(
                {"filename": attachment.filename, "size": attachment.size, "reason": str(error)}
            )
            continue
        stored.append(_Stored(file, attachment.content_id or "", attachment.inline))
    return stored, skipped


def _cid_urls(stored: list[_Stored]) -> dict[str, str]:
    return {
        s.content_id: reverse("email_channel:file", args=[s.file.public_id])
        for s in stored
        if s.content_id
    }


def _discard(stored: list[_Stored]) -> None:
    for item in stored:
        files.delete_file(item.file)


def _keep_mail_details(received: Received, mail: ParsedMail, stored, skipped) -> None:
    message = received.entry.message
    with transaction.atomic():
        InboundMail.objects.create(
            message=message,
            header_message_id=(mail.message_id or "")[:998],
            quoted_text=mail.quoted_text,
            remote_images_blocked=mail.remote_images_blocked,
            skipped_attachments=skipped,
        )
        MailAttachment.objects.bulk_create(
            MailAttachment(
                message=message,
                file=item.file,
                position=number,
                content_id=item.content_id[:255],
                inline=item.inline,
            )
            for number, item in enumerate(stored)
        )
