"""The files a contact sends on a provider channel, kept with their message.

A transport fetches the bytes (a WhatsApp media id, a Telegram file, an MMS URL) and hands
them to ``inbound.receive`` in ``InboundMessage.attachments``; ``receive`` stores them here:
the files first (``store``, outside any transaction: storage is not transactional), then
the rows that tie them to the message in the message's own transaction (``link``), so the
entry pushed at commit already carries them. When the message is not written (a redelivery,
a refusal) ``discard`` removes the stored files again: nothing is kept twice or orphaned.

What the operator sees is registered as the channels' extras (``conversations.extras``): the
files with their download link, and the parts too large to keep.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from messagecenter.contacts.models import Contact
from messagecenter.conversations import extras
from messagecenter.conversations.models import Conversation, Message, MessageAttachment
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.files import services as files
from messagecenter.files.models import StoredFile
from messagecenter.transports.base import PRODUCT_MAX_FILE_BYTES, InboundAttachment

# The channels whose messages carry files this way (e-mail keeps its own, with inline parts).
CHANNELS = ("whatsapp", "telegram", "sms", "custom")
OPERATOR_FILE_CHANNELS = ("webchat", "email")


@dataclass
class Parts:
    """One message's parts: ``(filename, size, file or None, reason)`` in the order sent."""

    items: list[tuple[str, int, StoredFile | None, str]] = field(default_factory=list)

    @property
    def stored(self) -> list[StoredFile]:
        return [file for _name, _size, file, _reason in self.items if file is not None]


def store(
    connection,
    contact: Contact,
    attachments: Iterable[InboundAttachment],
    *,
    uploads: Iterable[str] = (),
) -> Parts:
    """Store each fetched part as a file; a part over the limit, empty or unfetched is kept
    as its name, size and reason only (never blocking the message). ``uploads``: files the
    contact uploaded already (the messenger), taken as they are."""
    parts = Parts()
    _take_uploads(connection, contact, list(uploads), parts)
    limit = max_bytes(connection)
    for attachment in attachments:
        name = attachment.filename or _("file")
        size = len(attachment.content) or attachment.size
        if not attachment.content:
            parts.items.append((name, size, None, attachment.reason or _("Not received.")))
            continue
        try:
            stored = files.store_file(
                connection.account,
                io.BytesIO(attachment.content),
                name,
                actor=Actor.for_contact(contact),
                contact=contact,
                max_bytes=limit,
                # A WhatsApp or Telegram voice note is a voice message (R-FILE-2).
                voice=attachment.voice,
                duration_ms=attachment.duration_ms,
            )
        except ValidationFailed as error:
            parts.items.append((name, size, None, str(error.message)))
            continue
        parts.items.append((stored.original_name, stored.size, stored, ""))
    return parts


def _take_uploads(connection, contact: Contact, upload_ids: list[str], parts: Parts) -> None:
    """A retried frame finds its uploads taken already (they are the first send's files):
    missing ids are skipped, so the retry answers with the first message."""
    if not upload_ids:
        return
    from messagecenter.files import uploads

    actor = Actor.for_contact(contact)
    for stored in uploads.take(connection.account, upload_ids, actor=actor, missing_ok=True):
        reason = _widget_refusal(connection, stored.media_kind)
        if reason:
            parts.items.append((stored.original_name, stored.size, None, reason))
            files.delete_file(stored)
        else:
            parts.items.append((stored.original_name, stored.size, stored, ""))


def _widget_refusal(connection, media_kind: str) -> str:
    media = (connection.widget.media if connection.widget_id else None) or {}
    if not media.get("enabled", True):
        return _("Files are switched off for this widget.")
    if media_kind not in media.get("types", []):
        return _("This widget does not accept this kind of file.")
    return ""


def max_bytes(connection) -> int:
    """The smaller of the channel's file limit and the product's upload limit."""
    channel_limit = connection.capabilities.max_file_bytes or PRODUCT_MAX_FILE_BYTES
    return min(channel_limit, settings.MAX_UPLOAD_BYTES)


def link(message: Message, parts: Parts) -> None:
    """Tie the parts to their message; called inside the message's transaction."""
    if not parts.items:
        return  # the messenger's hot path: no files, no statement
    # The messenger's push at commit shows them without a query (webchat.events).
    from messagecenter.transports.webchat.events import files_linked

    files_linked(message, parts.stored)
    MessageAttachment.objects.bulk_create(
        MessageAttachment(
            message=message,
            file=file,
            position=position,
            filename=name[:255],
            size=size,
            not_kept_reason=reason[:300],
        )
        for position, (name, size, file, reason) in enumerate(parts.items)
    )


def discard(parts: Parts) -> None:
    for stored in parts.stored:
        files.delete_file(stored)


def body_for(body: str, parts: Parts) -> str:
    """A message of only files still says something in lists, previews and search."""
    if body.strip() or not parts.items:
        return body
    return ", ".join(name for name, _size, _file, _reason in parts.items)


# --- what the operator sees ------------------------------------------------------------------


def message_extras(messages: list[Message]) -> dict[int, dict[str, Any]]:
    """One query for a whole page of messages."""
    found: dict[int, dict[str, Any]] = defaultdict(lambda: {"files": [], "not_kept": []})
    rows = MessageAttachment.objects.filter(message_id__in=[m.pk for m in messages])
    for row in rows.select_related("file", "message__conversation"):
        extra = found[row.message_id]
        if row.file is None:
            extra["not_kept"].append(
                {"filename": row.filename, "size": row.size, "reason": row.not_kept_reason}
            )
        else:
            extra["files"].append(_file(row.message.conversation, row.file))
    return dict(found)


def _file(conversation: Conversation, stored: StoredFile) -> dict[str, Any]:
    return describe(
        stored, reverse("conversation_file", args=[conversation.public_id, stored.public_id])
    )


def describe(stored: StoredFile, url: str) -> dict[str, Any]:
    """A file as the timeline shows it (operator app and messenger alike): an image with a
    preview opens in the viewer; anything else is its name, type and size."""
    return {
        "id": stored.public_id,
        "name": stored.original_name,
        "size": stored.size,
        "content_type": stored.content_type,
        "media_kind": stored.media_kind,
        "url": url,
        "thumb": f"{url}?thumb=1" if stored.thumbnail_key else "",
        # A raster image opens in the viewer (SVG never: it is a document that can run).
        "image": stored.is_raster_image,
        "scan": stored.scan_state,
        **voice_of(stored, f"{url}?voice=1"),
    }


def voice_of(stored: StoredFile, play_url: str) -> dict[str, Any]:
    """A voice message's player data (R-FILE-2): its length and what the player loads (the
    OGG/Opus copy once the job made it); nothing for other files."""
    if not stored.voice:
        return {}
    return {"voice": True, "duration_ms": stored.duration_ms or 0, "play": play_url}


def conversation_file(conversation: Conversation, file_id: str) -> StoredFile | None:
    row = (
        MessageAttachment.objects.filter(
            message__conversation=conversation, file__public_id=file_id
        )
        .select_related("file")
        .first()
    )
    return row.file if row else None


def register_extras() -> None:
    for channel in CHANNELS:
        extras.register(channel, message_extras, files=conversation_file)
    # An operator's files on the messenger and e-mail are message attachments too (the finder
    # registered above serves every channel).
    for channel in OPERATOR_FILE_CHANNELS:
        extras.add(channel, message_extras)
