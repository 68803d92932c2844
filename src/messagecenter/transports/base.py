"""The transport seam: what every channel (webchat, e-mail, WhatsApp, custom…) implements.

A transport is a thin adapter. Inbound, it turns a provider's request (a socket frame, a mail,
a webhook body) into an ``InboundMessage`` and hands it to ``conversations.inbound.receive``;
it never writes a conversation itself. Outbound, the delivery job calls ``deliver`` with an
``Outbound`` built from a delivery row; the transport raises ``TransportError`` with
``permanent`` set when retrying cannot help (a rejected address, a revoked token) and without
it for everything else (a timeout, a 5xx), which the job retries with backoff.

What a channel can do is data (``Capabilities``), declared once by its transport; the
services refuse the rest with ``CapabilityRefused`` and the UI offers only what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from messagecenter.core.errors import InvalidTransition

if TYPE_CHECKING:
    from messagecenter.widgets.models import ChannelConnection

MB = 1024 * 1024
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "other"})


@dataclass(frozen=True)
class Capabilities:
    """What a channel can carry and do. ``None`` windows mean "no time limit"; ``None`` sizes
    mean the product limit (``PRODUCT_MAX_FILE_BYTES``) applies."""

    max_text_length: int
    media_types: frozenset[str]
    max_file_bytes: int | None
    voice: bool
    calls: bool
    can_delete: bool
    delete_window: timedelta | None
    can_edit: bool
    edit_window: timedelta | None
    templates: bool
    # After this much silence from the contact, only templates may be sent (WhatsApp: 24 h).
    reply_window: timedelta | None
    # Contact identity kinds this channel addresses people by (contacts.IdentityKind values).
    identity_kinds: frozenset[str]
    # The transport delivers through delivery rows and the outbound job; False where the
    # channel delivers live itself (the webchat's socket).
    queued_delivery: bool
    # When set, the only file types (sniffed MIME types) the channel carries (SMS/MMS:
    # JPEG, PNG, GIF); ``media_types`` still applies.
    mime_types: frozenset[str] | None = None
    # Smaller limits of some media kinds than ``max_file_bytes`` ((kind, bytes) pairs:
    # WhatsApp takes images up to 5 MB but documents up to 100 MB).
    media_limits: tuple[tuple[str, int], ...] = ()

    def max_bytes_for(self, media_kind: str) -> int | None:
        """The limit of one media kind: its own, else ``max_file_bytes``."""
        return dict(self.media_limits).get(media_kind, self.max_file_bytes)

    def as_data(self) -> dict[str, Any]:
        """For the UI's page data and the API: plain JSON values."""
        return {
            "max_text_length": self.max_text_length,
            "media_types": sorted(self.media_types),
            "max_file_bytes": self.max_file_bytes,
            "voice": self.voice,
            "calls": self.calls,
            "can_delete": self.can_delete,
            "delete_window_seconds": _seconds(self.delete_window),
            "can_edit": self.can_edit,
            "edit_window_seconds": _seconds(self.edit_window),
            "templates": self.templates,
            "reply_window_seconds": _seconds(self.reply_window),
            "identity_kinds": sorted(self.identity_kinds),
            "mime_types": sorted(self.mime_types) if self.mime_types is not None else None,
            "media_limits": dict(self.media_limits),
        }


PRODUCT_MAX_FILE_BYTES = 100 * MB


def _seconds(window: timedelta | None) -> int | None:
    return int(window.total_seconds()) if window is not None else None


class CapabilityRefused(InvalidTransition):
    """The conversation's channel cannot do this (HTTP 409). ``code`` names the capability."""

    code = "channel_cannot"


class TransportError(Exception):
    """A delivery failed. ``permanent``: retrying cannot help (fail the delivery at once);
    otherwise the job retries with backoff. ``reason`` is shown to operators: no secrets."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        # The provider asked for this many seconds before the next attempt (Retry-After):
        # the retry waits at least that long (within the backoff's cap).
        self.retry_after = retry_after


@dataclass(frozen=True)
class InboundAttachment:
    """A file a contact sent, as the transport fetched it. A part the transport could not
    fetch (over the provider's download limit) comes with empty ``content``, its ``size`` and
    the ``reason``: the message names it instead of losing it silently."""

    filename: str
    content_type: str
    content: bytes
    # An inline part referenced from the HTML body (an e-mail's ``cid:``), without the brackets.
    content_id: str = ""
    size: int = 0
    reason: str = ""
    # A voice note (WhatsApp ``audio.voice``, Telegram ``voice``), with the length the
    # provider gave (milliseconds; the file's own length wins where it says one).
    voice: bool = False
    duration_ms: int | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One message from a contact, as a transport parsed it, before any database work.

    - ``identity_kind``/``identity_value``: who wrote (an ``IdentityKind`` value and the raw
      address or id; ``receive`` normalises it).
    - ``provider_message_id``: makes a redelivery idempotent.
    - ``thread_key``: the provider's thread (an e-mail's reply token or root Message-ID, a
      chat id). ``conversation`` instead: our public id, when the transport already knows it
      (the webchat's socket, a reply token that resolved); with ``transferred`` a signed
      transfer link (``$webtransfer``) named it, so it may continue here although it started
      on another channel.
    - ``html``: shown instead of the rendered ``body``; the transport must have sanitised it
      (nh3).
    - ``attachments``: the files the contact sent; ``receive`` stores them with the message
      (``conversations.attachments``), in its transaction.
    - ``sent_at``, ``metadata``: for the transport's own use; ``receive`` does not store them.
    """

    body: str
    identity_kind: str = ""
    identity_value: str = ""
    provider_message_id: str | None = None
    thread_key: str = ""
    conversation: str = ""
    transferred: bool = False
    subject: str = ""
    html: str = ""
    contact_name: str = ""
    sent_at: datetime | None = None
    client_msg_id: str | None = None
    client_info: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[InboundAttachment, ...] = ()
    # Files the contact already uploaded (files.uploads ids: the messenger's resumable
    # uploads); ``receive`` attaches them like ``attachments``, without copying bytes.
    uploads: tuple[str, ...] = ()
    # Provider facts kept for threading and debugging (headers, chat ids); small, no secrets.
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outbound:
    """One message to deliver, built by the delivery job from its row: everything a transport
    needs, so it never queries the conversation domain itself."""

    connection: ChannelConnection
    delivery_id: int
    # Stable over every attempt: the provider's idempotency key / our Message-ID, so a
    # re-send after a crash can be dropped as a duplicate by the provider or the recipient.
    idempotency_key: str
    conversation: str
    seq: int
    body: str
    html: str
    author_name: str
    subject: str = ""
    # The contact's address on this channel (their identity of one of ``identity_kinds``).
    recipient: str = ""
    thread_key: str = ""
    attempt: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What a successful ``deliver`` returns: the provider's id of the sent message, if any."""

    provider_message_id: str = ""


class Transport:
    """One channel kind. Subclasses set ``kind`` and ``capabilities`` and implement ``parse``
    and ``deliver``; ``registry.register`` makes them known."""

    kind: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    # An operator's deletion is also done at the provider (``delete_at_provider``, a job
    # after the deletion commits: ``conversations.revisions``).
    deletes_at_provider: ClassVar[bool] = False
    # The transport sends ``Outbound.metadata["files"]`` (StoredFile public ids) as
    # attachments itself; elsewhere the delivery job writes the files' download links into
    # the text (``conversations.outgoing_files``).
    attaches_files: ClassVar[bool] = False

    def attaches(self, stored: Any) -> bool:
        """Whether this file (a ``files.StoredFile``) goes as an attachment, not as a link: every
        file where ``attaches_files`` is set; a transport may take only some (WhatsApp: voice
        messages)."""
        return self.attaches_files

    def capabilities_for(self, connection: ChannelConnection) -> Capabilities:
        """This connection's record: the kind's, unless the transport lets each connection
        declare its own (custom channels)."""
        return self.capabilities

    def parse(self, connection: ChannelConnection, request: Any) -> InboundMessage:
        """Turn one inbound request (a frame, a mail, a webhook body) into a message. Raise
        ``core.errors.ValidationFailed`` for a request that is not a message."""
        raise NotImplementedError

    def deliver(self, outbound: Outbound) -> Receipt:
        """Send one message; raise ``TransportError`` on failure (see the module docstring)."""
        raise NotImplementedError

    def delete_at_provider(self, connection: ChannelConnection, provider_message_id: str) -> None:
        """Delete a message we sent (``Receipt.provider_message_id``) at the provider; raise
        ``TransportError`` on failure. Only called where ``deletes_at_provider`` is set."""
        raise NotImplementedError


def refuse(code: str, message: str) -> CapabilityRefused:
    return CapabilityRefused(message, code=code)


def check_text(capabilities: Capabilities, body: str, channel: str) -> None:
    """Refuse a text longer than the channel carries."""
    if len(body) > capabilities.max_text_length:
        raise refuse(
            "channel_text_too_long",
            _("%(channel)s messages can have at most %(max)d characters.")
            % {"channel": channel, "max": capabilities.max_text_length},
        )
