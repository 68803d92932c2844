"""Writing an outgoing mail: one ``EmailMessage`` with all a reply needs to find its way back.

Pure: no database and no network; the secret comes from settings (``SECRET_KEY``) unless passed.

Decisions, and why:
- **From** is the channel's address, so SPF/DKIM/DMARC stay aligned with the domain that signs
  it; the operator appears in the display name only: ``"Anna via Acme Support"``. Without an
  operator (automatic mails) it is the channel's name alone.
- **Reply-To** carries the **reply token**, by default by plus-addressing
  (``support+cv_….sig@acme.example``); the pattern is per channel (``{local}``, ``{domain}``,
  ``{token}``), for providers that route a sub-domain or a prefix instead.
- **Message-ID** embeds the same token (``<token.random@domain>``), so a reply that lost the
  Reply-To (some clients answer to From) still threads by its In-Reply-To/References.
- **A token** is ``<conversation public id>.<16 base32 HMAC characters>``: lower case only,
  because some mail servers fold the case of local parts; tamper-evident, and verifiable with
  ``SECRET_KEY_FALLBACKS`` after a key rotation.
- **References** follow RFC 5322 §3.6.4 (the parent's References plus its Message-ID), trimmed to
  the first id and the newest ones, the way mail clients trim long threads.
- **Loops:** every mail carries ``X-MC-Loop: <loop id>`` (a hash of the account, not its id);
  only automatic mails add ``Auto-Submitted: auto-replied`` (RFC 3834), so a human answer is never
  dropped by the other side's auto-reply filters.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.utils.crypto import salted_hmac

from messagecenter.core import clock
from messagecenter.core.rendering import render_markdown
from messagecenter.transports.email.parse import LOOP_HEADER

DEFAULT_REPLY_PATTERN = "{local}+{token}@{domain}"
REFERENCES_LIMIT = 20  # ids kept in References: the thread's first and the newest ones
_TOKEN_SALT = "messagecenter.transports.email.reply-token"
_MESSAGE_ID_SALT = "messagecenter.transports.email.message-id"
_LOOP_SALT = "messagecenter.transports.email.loop"
_SIGNATURE_LENGTH = 16  # base32 characters: 80 bits
PUBLIC_ID = r"[a-z]{2,4}_[0-9a-z]{16}"
TOKEN_RE = re.compile(rf"({PUBLIC_ID})\.([a-z2-7]{{{_SIGNATURE_LENGTH}}})", re.IGNORECASE)


# --- reply tokens --------------------------------------------------------------------------------


def _signature(value: str, salt: str, secret: str | None, length: int = _SIGNATURE_LENGTH) -> str:
    digest = salted_hmac(salt, value, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii").lower()[:length]


def make_reply_token(conversation_public_id: str, *, secret: str | None = None) -> str:
    """A short, signed token naming the conversation: ``cv_4hq2n7x3kd9mbw5z.k3j…``."""
    public_id = conversation_public_id.lower()
    if not re.fullmatch(PUBLIC_ID, public_id):
        raise ValueError(f"Not a public id: {conversation_public_id!r}")
    return f"{public_id}.{_signature(public_id, _TOKEN_SALT, secret)}"


def read_reply_token(token: str, *, secret: str | None = None) -> str | None:
    """The conversation public id in a token, or None when it was not signed by us."""
    match = TOKEN_RE.fullmatch(token.strip().lower())
    if not match:
        return None
    public_id, signature = match.groups()
    for key in _secrets(secret):
        if hmac.compare_digest(signature, _signature(public_id, _TOKEN_SALT, key)):
            return public_id
    return None


def find_reply_token(text: str, *, secret: str | None = None) -> str | None:
    """The conversation of the first valid token anywhere in ``text`` (an address, a message id)."""
    for match in TOKEN_RE.finditer(text.lower()):
        public_id = read_reply_token(match.group(0), secret=secret)
        if public_id:
            return public_id
    return None


def _secrets(secret: str | None) -> list[str]:
    if secret is not None:
        return [secret]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def reply_address(channel_address: str, token: str, pattern: str = DEFAULT_REPLY_PATTERN) -> str:
    """The address a contact answers to, e.g. ``support+<token>@acme.example``."""
    local, _, domain = channel_address.rpartition("@")
    address = pattern.format(local=local, domain=domain, token=token)
    if "@" not in address or len(address.partition("@")[0]) > 64:
        raise ValueError(f"The reply address pattern gives an invalid address: {address!r}")
    return address


def loop_id_for(account_key: str, *, secret: str | None = None) -> str:
    """The value of our loop header for one account: a hash, so the account id stays private."""
    return _signature(str(account_key), _LOOP_SALT, secret, length=20)


# --- message ids and thread headers --------------------------------------------------------------


def new_message_id(domain: str, token: str | None = None) -> str:
    """``<token.random@domain>`` (without a token: ``<mc.random@domain>``)."""
    random = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return f"<{token or 'mc'}.{random}@{domain}>"


def stable_message_id(
    delivery_key: str, *, domain: str, token: str | None = None, secret: str | None = None
) -> str:
    """The same Message-ID for every attempt of one delivery, so a re-sent mail is a duplicate
    the receiving side drops rather than a second message."""
    random = _signature(delivery_key, _MESSAGE_ID_SALT, secret)
    return f"<{token or 'mc'}.{random}@{domain}>"


def build_references(parent_references: Sequence[str], parent_message_id: str | None) -> list[str]:
    """RFC 5322 §3.6.4: the parent's References, then the parent's own id; trimmed to the first
    id and the newest ones (``REFERENCES_LIMIT`` in all), without <>."""
    ids = [i.strip("<> ") for i in [*parent_references, parent_message_id or ""]]
    ids = list(dict.fromkeys(i for i in ids if i))
    if len(ids) > REFERENCES_LIMIT:
        ids = [ids[0], *ids[-(REFERENCES_LIMIT - 1) :]]
    return ids


# --- the mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None  # set for an image the HTML shows as ``cid:<content_id>``


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""


@dataclass(frozen=True)
class ChannelIdentity:
    """What a channel sends as: its address and name, and how its reply address is built."""

    address: str  # "support@acme.example"
    name: str  # "Acme Support"
    reply_pattern: str = DEFAULT_REPLY_PATTERN

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def sender_name(channel_name: str, operator_name: str | None) -> str:
    """``"Anna via Acme Support"``; the channel's name alone when no person wrote the mail."""
    operator_name = (operator_name or "").strip()
    return f"{operator_name} via {channel_name}" if operator_name else channel_name


def compose_mail(
    *,
    channel: ChannelIdentity,
    to: Sequence[Recipient],
    subject: str,
    text: str,
    html: str | None = None,
    operator_name: str | None = None,
    cc: Sequence[Recipient] = (),
    conversation_public_id: str | None = None,
    in_reply_to: str | None = None,
    parent_references: Sequence[str] = (),
    attachments: Sequence[OutgoingAttachment] = (),
    loop_id: str,
    delivery_key: str | None = None,
    automatic: bool = False,
    date: datetime | None = None,
    secret: str | None = None,
) -> EmailMessage:
    """One outgoing mail. ``text`` is the operator's Markdown (sent as the text part and, when
    ``html`` is not given, rendered and sanitised as the HTML part). ``in_reply_to`` and
    ``parent_references`` are the Message-ID and References of the mail this one answers."""
    token = None
    if conversation_public_id:
        token = make_reply_token(conversation_public_id, secret=secret)
    msg = EmailMessage()
    msg["From"] = _header_address(sender_name(channel.name, operator_name), channel.address)
    msg["To"] = [_header_address(r.name, r.address) for r in to]
    if cc:
        msg["Cc"] = [_header_address(r.name, r.address) for r in cc]
    if token:
        msg["Reply-To"] = _header_address(
            channel.name, reply_address(channel.address, token, channel.reply_pattern)
        )
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or clock.now())
    msg["Message-ID"] = (
        stable_message_id(delivery_key, domain=channel.domain, token=token, secret=secret)
        if delivery_key
        else new_message_id(channel.domain, token)
    )
    _thread_headers(msg, in_reply_to, parent_references)
    _loop_headers(msg, loop_id, automatic)
    _body(msg, text, html, attachments)
    return msg


def _header_address(name: str, address: str) -> HeaderAddress:
    return HeaderAddress(display_name=name or "", addr_spec=address)


def _thread_headers(msg: EmailMessage, in_reply_to: str | None, references: Sequence[str]) -> None:
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to.strip('<> ')}>"
    ids = build_references(references, in_reply_to)
    if ids:
        msg["References"] = " ".join(f"<{i}>" for i in ids)


def _loop_headers(msg: EmailMessage, loop_id: str, automatic: bool) -> None:
    msg[LOOP_HEADER] = loop_id
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answer to this


def _body(
    msg: EmailMessage, text: str, html: str | None, attachments: Sequence[OutgoingAttachment]
) -> None:
    msg.set_content(text or "")
    msg.add_alternative(
        _html_document(html if html is not None else render_markdown(text)), subtype="html"
    )
    html_part = msg.get_body(("html",))
    for attachment in attachments:
        maintype, subtype = _mime_type(attachment.content_type)
        if attachment.content_id and isinstance(html_part, EmailMessage):
            # An image the HTML shows: multipart/related next to the HTML, as mail clients send it.
            html_part.add_related(
                attachment.content,
                maintype,
                subtype,
                cid=f"<{attachment.content_id}>",
                filename=attachment.filename,
                disposition="inline",
            )
    for attachment in attachments:
        if not attachment.content_id:
            maintype, subtype = _mime_type(attachment.content_type)
            msg.add_attachment(attachment.content, maintype, subtype, filename=attachment.filename)


def _mime_type(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = content_type.partition("/")
    return maintype or "application", subtype or "octet-stream"


def _html_document(body: str) -> str:
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>{body}</body></html>\n'
