"""The e-mail channel as a transport: one mail out per operator message, through the channel's
own SMTP server.

Outbound (``deliver``): the delivery job hands over an ``Outbound``; we compose one mail
(``compose.compose_mail``) and hand it to the channel's SMTP server (``smtp.send``):

- **To** the contact's e-mail identity (``outbound.recipient``), **From** the channel's address
  as "<operator> via <channel name>", **Reply-To** the address with the conversation's reply
  token, **Subject** "Re: <conversation subject>".
- **In-Reply-To** the contact's latest mail in the conversation (of ``outbound.thread_key``
  when it names one), **References** every mail of the conversation on this channel before it,
  ours and theirs, oldest first (trimmed by ``build_references``), so clients thread it.
- **Message-ID** stable per delivery (``stable_message_id(outbound.idempotency_key)``): a mail
  re-sent after a crash carries the same id and the recipient's client drops the duplicate.
  The id without <> is the receipt's ``provider_message_id``: a bounce finds the delivery by it.
- ``MailDeliveryError`` becomes ``TransportError`` with the same ``permanent`` (5xx, bad
  settings) or not (4xx, network): the delivery job retries the second kind with backoff.

Inbound, the IMAP worker and the raw-MIME webhook (``inbound.py``, ``mailbox.py``,
``views.py``) do the work: loops, bounces, tombstones and the full threading order. ``parse``
here is the plain reading both share: one raw mail → one ``InboundMessage`` (the sender's
identity, its Message-ID for idempotency, the conversation of a valid reply token).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage

from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed
from messagecenter.transports import registry
from messagecenter.transports.base import (
    MB,
    MEDIA_KINDS,
    Capabilities,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
)
from messagecenter.transports.email import smtp
from messagecenter.transports.email.compose import (
    OutgoingAttachment,
    Recipient,
    compose_mail,
    loop_id_for,
)
from messagecenter.transports.email.config import EmailConfig
from messagecenter.transports.email.parse import MailParseError, parse_mail
from messagecenter.transports.email.threads import normalize_subject, thread_keys

log = logging.getLogger(__name__)

MAX_TEXT = 100_000  # characters of one message; a mail has no real limit, a reader has
MAX_FILE_BYTES = 25 * MB  # what the common providers accept per mail (Gmail, Outlook: 25 MB)


def loop_id(connection) -> str:
    """Our loop header's value for the connection's account (inbound compares against it)."""
    return loop_id_for(connection.account.public_id)


class EmailTransport(Transport):
    kind = "email"
    attaches_files = True  # metadata["files"] go as MIME parts (_attachments)
    capabilities = Capabilities(
        max_text_length=MAX_TEXT,
        media_types=MEDIA_KINDS,
        max_file_bytes=MAX_FILE_BYTES,
        voice=True,  # a voice message travels as an audio attachment
        calls=False,
        can_delete=False,  # a sent mail cannot be taken back
        delete_window=None,
        can_edit=False,
        edit_window=None,
        templates=False,
        reply_window=None,
        identity_kinds=frozenset({"email"}),
        queued_delivery=True,
    )

    def parse(self, connection, request: bytes) -> InboundMessage:
        """One raw mail (RFC 822 bytes). The full inbound path (``inbound.py``) adds loops,
        bounces and threading by Message-ID and subject on top of this."""
        try:
            mail = parse_mail(request, loop_ids={loop_id(connection)})
        except MailParseError as error:
            raise ValidationFailed(_("This is not an e-mail.")) from error
        sender = mail.from_address
        if sender is None or "@" not in sender.address:
            raise ValidationFailed(_("The mail has no sender address."), field="from")
        keys = thread_keys(mail)
        return InboundMessage(
            body=mail.reply_text or mail.text,
            html=mail.reply_html,
            identity_kind="email",
            identity_value=sender.normalized,
            contact_name=sender.name,
            provider_message_id=mail.message_id,
            conversation=keys.conversation_id or "",
            subject=mail.subject,
            sent_at=mail.date,
            metadata={"in_reply_to": mail.in_reply_to or "", "references": mail.references},
        )

    def deliver(self, outbound: Outbound) -> Receipt:
        if not outbound.connection.is_active:
            raise TransportError(_("This e-mail channel is disconnected."), permanent=True)
        config = _config(outbound.connection)
        if config.smtp is None:
            raise TransportError(
                _("This e-mail channel has no outgoing (SMTP) server."), permanent=True
            )
        if not outbound.recipient:
            raise TransportError(_("The contact has no e-mail address."), permanent=True)
        message = self.compose(outbound, config)
        try:
            refused = smtp.send(config.smtp, message)
        except smtp.MailDeliveryError as error:
            raise TransportError(error.reason, permanent=error.permanent) from None
        if refused:
            # Sent to the others: the delivery counts as sent; the refusals are kept in the log.
            log.warning(
                "delivery %s: some recipients were refused: %s",
                outbound.delivery_id,
                "; ".join(f"{a}: {why}" for a, why in refused.items()),
            )
        return Receipt(provider_message_id=str(message["Message-ID"]).strip("<> "))

    def compose(self, outbound: Outbound, config: EmailConfig | None = None) -> EmailMessage:
        """The mail ``deliver`` sends (without sending it)."""
        config = config or _config(outbound.connection)
        thread = _thread(outbound)
        return compose_mail(
            channel=config.identity,
            to=[Recipient(address=outbound.recipient, name=thread.contact_name)],
            subject=reply_subject(outbound.subject, config.identity.name, thread.in_reply_to),
            text=outbound.body,
            html=outbound.html or None,
            operator_name=outbound.author_name,
            conversation_public_id=outbound.conversation,
            in_reply_to=thread.in_reply_to,
            parent_references=thread.references,
            attachments=_attachments(outbound),
            loop_id=loop_id(outbound.connection),
            delivery_key=outbound.idempotency_key,
        )


def reply_subject(subject: str, channel_name: str, in_reply_to: str | None = "") -> str:
    """ "Re: <subject>" once, however many Re:/AW: the subject carries already; the first
    mail of a conversation we started (it answers nothing) keeps the subject as written."""
    subject = (subject or "").strip()
    if not subject:
        return _("Your message to %(channel)s") % {"channel": channel_name}
    if in_reply_to is None:
        return subject
    if normalize_subject(subject) != subject.lower():
        return subject  # already a reply ("Re: …", "AW: …"): clients add no second prefix
    return f"Re: {subject}"


def _config(connection) -> EmailConfig:
    try:
        return EmailConfig.of(connection)
    except ValidationFailed as error:
        raise TransportError(str(error.message), permanent=True) from None


@dataclass(frozen=True)
class _Thread:
    in_reply_to: str | None  # None: this mail answers nothing (the first of a conversation)
    references: list[str]
    contact_name: str


def _thread(outbound: Outbound) -> _Thread:
    """The mail this one answers and the thread before it. Parent: the contact's latest mail
    (of ``outbound.thread_key`` when it names one), else our latest; References: every mail of
    the conversation on this channel before the parent, ours (the delivery rows' Message-IDs)
    and theirs (the messages'), oldest first."""
    from messagecenter.conversations.models import (
        AuthorKind,
        Conversation,
        Message,
        OutboundDelivery,
    )

    conversation = (
        Conversation.objects.filter(
            account_id=outbound.connection.account_id, public_id=outbound.conversation
        )
        .select_related("contact")
        .first()
    )
    if conversation is None:
        return _Thread(None, [], "")
    here = {"conversation": conversation, "connection": outbound.connection}
    theirs = Message.objects.filter(
        **here, author_kind=AuthorKind.CONTACT, provider_message_id__isnull=False
    ).filter(entry__seq__lt=outbound.seq)
    in_thread = theirs.filter(thread_key=outbound.thread_key) if outbound.thread_key else theirs
    ours = OutboundDelivery.objects.filter(
        message__conversation=conversation,
        connection=outbound.connection,
        message__entry__seq__lt=outbound.seq,
    ).exclude(provider_message_id="")
    mails = sorted(
        [
            *theirs.values_list("entry__seq", "provider_message_id"),
            *ours.values_list("message__entry__seq", "provider_message_id"),
        ]
    )
    answered = sorted(in_thread.values_list("entry__seq", "provider_message_id")) or sorted(
        theirs.values_list("entry__seq", "provider_message_id")
    )
    parent = answered[-1] if answered else (mails[-1] if mails else None)
    if parent is None:
        return _Thread(None, [], conversation.contact.name or "")
    references = [str(pid) for seq, pid in mails if pid and seq < parent[0]]
    return _Thread(str(parent[1]), references, conversation.contact.name or "")


def _attachments(outbound: Outbound) -> list[OutgoingAttachment]:
    """The files named in ``outbound.metadata["files"]`` (``StoredFile`` public ids)."""
    ids = outbound.metadata.get("files") or []
    if not ids:
        return []
    from messagecenter.files.models import StoredFile
    from messagecenter.files.services import open_file

    files = StoredFile.objects.filter(account_id=outbound.connection.account_id, public_id__in=ids)
    result = []
    for stored in sorted(files, key=lambda f: ids.index(f.public_id)):
        with open_file(stored) as handle:
            content = handle.read()
        result.append(OutgoingAttachment(stored.original_name, stored.content_type, content))
    return result


registry.register(EmailTransport())
