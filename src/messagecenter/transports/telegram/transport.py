"""Telegram as a transport: an update's ``message`` parsed into an ``InboundMessage`` (its
files downloaded with the bot's token), outbound delivery as ``sendMessage``, and an
operator's deletion as ``deleteMessage``.

The update is verified and committed before ``parse`` sees it (``telegram.inbound``); ``parse``
only reads it. Ids: the contact's identity is the Telegram user id (``from.id``); a message's
provider id is ``<chat id>:<message id>`` (message ids count per chat), its thread the chat id,
which in a private chat is the user's id and where replies go.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messagecenter.core.errors import ValidationFailed
from messagecenter.transports import registry
from messagecenter.transports.base import (
    MB,
    MEDIA_KINDS,
    Capabilities,
    InboundAttachment,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
)
from messagecenter.transports.telegram import config
from messagecenter.transports.telegram.api import ApiError

log = logging.getLogger(__name__)

# Telegram's published limits for bots: files up to 20 MB can be downloaded (getFile), up
# to 50 MB uploaded; a message can be deleted for 48 hours; a text has at most 4096 characters.
DOWNLOAD_LIMIT = 20 * MB
UPLOAD_LIMIT = 50 * MB
DELETE_WINDOW = timedelta(hours=48)
MAX_TEXT = 4096
# Stored untranslated (a message outlives a request's language).
TOO_LARGE = gettext_noop("Larger than the 20 MB a Telegram bot may download.")

# The kinds of a message that carry a file, in the order one is looked for, with the name
# and type a file without its own gets.
FILE_KINDS = (
    ("document", "document", "application/octet-stream"),
    ("audio", "audio.mp3", "audio/mpeg"),
    ("video", "video.mp4", "video/mp4"),
    ("voice", "voice.ogg", "audio/ogg"),
    ("video_note", "video-note.mp4", "video/mp4"),
    ("animation", "animation.mp4", "video/mp4"),
)


class NotTaken(ValidationFailed):
    """An update that is no message of ours to store (a group chat, a channel post, a bot):
    logged and answered with nothing."""

    code = "telegram_not_taken"


class TelegramTransport(Transport):
    kind = "telegram"
    capabilities: ClassVar[Capabilities] = dataclasses.replace(
        registry.PLANNED["telegram"],
        max_text_length=MAX_TEXT,
        media_types=MEDIA_KINDS,
        max_file_bytes=UPLOAD_LIMIT,
        voice=True,
        can_delete=True,
        delete_window=DELETE_WINDOW,
        # Operators cannot edit a sent message anywhere yet; contacts' edits arrive as
        # ``edited_message`` (``telegram.inbound``).
        can_edit=False,
        edit_window=None,
        identity_kinds=frozenset({"telegram"}),
        queued_delivery=True,
    )
    deletes_at_provider = True
    attaches_files = True  # sendPhoto / sendDocument, uploaded (_send_file)

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        """One update (``{"update_id", "message": {…}}``) or its message."""
        message = request.get("message", request) if isinstance(request, dict) else None
        if not isinstance(message, dict) or "message_id" not in message:
            raise NotTaken(_("The update carries no message."), reason="no_message")
        chat, sender = message.get("chat") or {}, message.get("from") or {}
        if chat.get("type") != "private":
            raise NotTaken(_("Group chats are not supported."), reason="group")
        if sender.get("is_bot") or not sender.get("id"):
            raise NotTaken(_("Messages of bots are not taken."), reason="bot")
        attachments = tuple(_attachments(connection, message))
        return InboundMessage(
            body=_body(message, attachments),
            identity_kind="telegram",
            identity_value=str(sender["id"]),
            provider_message_id=message_key(chat["id"], message["message_id"]),
            thread_key=str(chat["id"]),
            contact_name=contact_name(sender),
            sent_at=_time(message.get("date")),
            attachments=attachments,
            metadata={"chat_id": chat["id"], "message_id": message["message_id"],
                      "username": str(sender.get("username") or "")[:64]},
        )  # fmt: skip

    def deliver(self, outbound: Outbound) -> Receipt:
        connection = outbound.connection
        if not connection.is_active:
            raise TransportError(_("The channel is disconnected."), permanent=True)
        chat_id = outbound.thread_key or outbound.recipient
        if not chat_id or not config.token(connection):
            raise TransportError(_("The contact has no Telegram chat."), permanent=True)
        api = config.api(connection)
        sent: list[Any] = []
        try:
            if outbound.body.strip():
                sent.append(api.call("sendMessage", chat_id=chat_id, text=outbound.body))
            sent += [_send_file(api, chat_id, f) for f in _files(outbound)]
        except ApiError as error:
            raise _transport_error(error) from None
        first = sent[0] if sent else None
        message_id = first.get("message_id") if isinstance(first, dict) else None
        return Receipt(provider_message_id=message_key(chat_id, message_id) if message_id else "")

    def delete_at_provider(self, connection, provider_message_id: str) -> None:
        """``deleteMessage`` for a message we sent (``<chat id>:<message id>``)."""
        chat_id, _sep, message_id = provider_message_id.partition(":")
        if not chat_id or not message_id.isdigit():
            raise TransportError(_("The message has no Telegram id."), permanent=True)
        try:
            config.api(connection).call(
                "deleteMessage", chat_id=chat_id, message_id=int(message_id)
            )
        except ApiError as error:
            raise _transport_error(error) from None


# Telegram shows these as photos (up to 10 MB uploaded); anything else goes as a document.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_LIMIT = 10 * MB


def _files(outbound: Outbound) -> list:
    from messagecenter.files.models import StoredFile

    ids = list(outbound.metadata.get("files") or [])
    found = StoredFile.objects.filter(account_id=outbound.connection.account_id, public_id__in=ids)
    by_id = {f.public_id: f for f in found}
    return [by_id[i] for i in ids if i in by_id]


def _send_file(api, chat_id, stored) -> Any:
    from messagecenter.files.services import open_file

    if stored.voice:
        sent = _send_voice(api, chat_id, stored)
        if sent is not None:
            return sent
    photo = stored.content_type in PHOTO_TYPES and stored.size <= PHOTO_LIMIT
    method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
    with open_file(stored) as handle:
        return api.send_file(
            method, field, handle, stored.original_name, stored.content_type, chat_id=chat_id
        )


def _send_voice(api, chat_id, stored) -> Any:
    """A voice message as a Telegram voice note: ``sendVoice`` takes OGG/Opus (the copy the
    remux job made; made here, in the delivery job, if it has not yet). A recording that
    cannot be remuxed goes as a document instead (None)."""
    from django.core.files.storage import default_storage

    from messagecenter.core.errors import ValidationFailed
    from messagecenter.files import voice

    try:
        stored = voice.ogg_copy(stored)
    except ValidationFailed:
        log.warning("telegram: voice message %s could not be remuxed", stored.public_id)
        return None
    seconds = max(1, round((stored.duration_ms or 0) / 1000))
    with default_storage.open(stored.voice_ogg_key, "rb") as handle:
        return api.send_file("sendVoice", "voice", handle, voice.ogg_name(stored), voice.OGG,
                             chat_id=chat_id, duration=seconds)  # fmt: skip


def message_key(chat_id: Any, message_id: Any) -> str:
    return f"{chat_id}:{message_id}"


def contact_name(sender: dict[str, Any]) -> str:
    name = " ".join(str(sender.get(k) or "").strip() for k in ("first_name", "last_name"))
    return (name.strip() or str(sender.get("username") or ""))[:200]


def _transport_error(error: ApiError) -> TransportError:
    return TransportError(error.reason, permanent=error.permanent, retry_after=error.retry_after)


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) else None


def _body(message: dict[str, Any], attachments: tuple[InboundAttachment, ...]) -> str:
    text = str(message.get("text") or message.get("caption") or "").strip()
    if text:
        return text
    if attachments:
        return ", ".join(a.filename for a in attachments)
    for kind in ("sticker", "location", "contact", "poll", "dice"):
        if kind in message:
            return f"({kind})"
    return "(empty message)"


# --- files -----------------------------------------------------------------------------------


def _attachments(connection, message: dict[str, Any]):
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        # The sizes come smallest first: the largest a bot may download.
        fitting = [p for p in photos if (p.get("file_size") or 0) <= DOWNLOAD_LIMIT] or photos
        photo = fitting[-1]
        yield _file(connection, photo, f"photo-{message['message_id']}.jpg", "image/jpeg")
    for kind, default_name, default_type in FILE_KINDS:
        item = message.get(kind)
        if isinstance(item, dict) and item.get("file_id"):
            name = str(item.get("file_name") or default_name)
            if name == "document":
                name = f"document-{message['message_id']}"
            found = _file(connection, item, name[:200], str(item.get("mime_type") or default_type))
            if kind == "voice":  # a voice note: a voice message (R-FILE-2) with its length
                seconds = item.get("duration") if isinstance(item.get("duration"), int) else 0
                found = dataclasses.replace(found, voice=True, duration_ms=seconds * 1000 or None)
            yield found
            return


def _file(connection, item: dict[str, Any], filename: str, content_type: str) -> InboundAttachment:
    size = item.get("file_size") if isinstance(item.get("file_size"), int) else 0
    if size > DOWNLOAD_LIMIT:
        return skipped(filename, content_type, size, TOO_LARGE)
    bot = config.api(connection)
    try:
        found = bot.call("getFile", file_id=item["file_id"])
        path = found.get("file_path") if isinstance(found, dict) else None
        if not path:
            return skipped(filename, content_type, size, TOO_LARGE)
        content = bot.download(path, max_bytes=DOWNLOAD_LIMIT)
    except ApiError as error:
        if error.permanent:  # "Bad Request: file is too big", an expired file id
            log.info("telegram %s: a file was not downloaded (%s)", connection.public_id, error)
            return skipped(filename, content_type, size, error.reason)
        raise  # worth another try: the update stays pending
    return InboundAttachment(filename=filename, content_type=content_type, content=content)


def skipped(filename: str, content_type: str, size: int, reason: str) -> InboundAttachment:
    """A file we could not fetch, named with its size and why (empty content)."""
    return InboundAttachment(
        filename=filename, content_type=content_type, content=b"", size=size, reason=reason
    )


registry.register(TelegramTransport())
