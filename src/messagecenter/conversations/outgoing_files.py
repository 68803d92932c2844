"""Files an operator sends with a message (R-FILE-1), and what each channel does with them.

The rules, checked when an upload completes (so the composer shows the reason next to the
file at once) and again when the message is sent (the service decides, whatever the UI did):

- the widget's supported media (``Widget.media``: the switch and the kinds) for the messenger;
- the channel's media kinds and, where it has them, its exact types (SMS/MMS: JPEG, PNG and
  GIF only);
- a quarantined file (ClamAV found something, or the scan is pending) is never sent.

A file over the channel's size limit is not refused: the contact gets a download link instead
(``delivery_parts``), one that keeps working for days (``files.links.lasting_link``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from messagecenter.conversations.channel import capabilities, channel_name
from messagecenter.conversations.models import Conversation, Message, MessageAttachment
from messagecenter.files import links
from messagecenter.files.models import ScanState, StoredFile
from messagecenter.transports.base import PRODUCT_MAX_FILE_BYTES, CapabilityRefused

MAX_FILES = 10


def check(conversation: Conversation, stored: StoredFile) -> None:
    """May this file go to the contact on this conversation's channel?"""
    if stored.scan_state in (ScanState.INFECTED, ScanState.PENDING):
        raise CapabilityRefused(
            _("%(name)s is in quarantine (virus scan) and cannot be sent.")
            % {"name": stored.original_name},
            code="file_quarantined",
        )
    if stored.voice:
        check_voice(conversation)
    check_widget_media(conversation, stored.media_kind)
    caps, name = capabilities(conversation), channel_name(conversation)
    if stored.media_kind not in caps.media_types:
        raise CapabilityRefused(
            _("%(channel)s cannot carry this kind of file (%(type)s).")
            % {"channel": name, "type": stored.content_type},
            code="channel_media_type",
        )
    if caps.mime_types is not None and stored.content_type not in caps.mime_types:
        raise CapabilityRefused(
            _("%(channel)s carries only these file types: %(types)s.")
            % {"channel": name, "types": ", ".join(_short(t) for t in sorted(caps.mime_types))},
            code="channel_file_type",
        )


def check_widget_media(conversation: Conversation, media_kind: str) -> None:
    """The messenger's widget may switch files off, or allow some kinds only."""
    if conversation.connection.kind != "webchat":
        return
    media = conversation.widget.media or {}
    if not media.get("enabled", True):
        raise CapabilityRefused(
            _("Files are switched off for this widget."), code="widget_files_off"
        )
    if media_kind not in media.get("types", []):
        raise CapabilityRefused(
            _("This widget does not accept this kind of file."), code="widget_media_type"
        )


def check_voice(conversation: Conversation) -> None:
    """Voice messages (R-FILE-2) only where the channel carries them (not on SMS) and, on the
    messenger, where the widget takes audio."""
    caps = capabilities(conversation)
    if not caps.voice or "audio" not in caps.media_types:
        raise CapabilityRefused(
            _("%(channel)s carries no voice messages.") % {"channel": channel_name(conversation)},
            code="channel_no_voice",
        )
    check_widget_media(conversation, "audio")


def voice_allowed(conversation: Conversation) -> bool:
    """Whether the composer offers the microphone."""
    try:
        check_voice(conversation)
    except CapabilityRefused:
        return False
    return True


def files_allowed(conversation: Conversation) -> bool:
    """Whether the composer offers files at all (the channel carries some, the widget's
    switch is on); the kinds and types are checked per file."""
    if not capabilities(conversation).media_types:
        return False
    if conversation.connection.kind != "webchat":
        return True
    media = conversation.widget.media or {}
    return bool(media.get("enabled", True) and media.get("types"))


def accept(conversation: Conversation) -> str:
    """The file picker's ``accept``: the channel's exact types, where it has them (SMS)."""
    types = capabilities(conversation).mime_types
    return ",".join(sorted(types)) if types else ""


def _short(mime: str) -> str:
    return mime.split("/")[-1].upper()


def check_count(files: list[StoredFile]) -> None:
    if len(files) > MAX_FILES:
        raise CapabilityRefused(
            _("A message can carry at most %(n)d files.") % {"n": MAX_FILES}, code="too_many_files"
        )


def attach(message: Message, files: list[StoredFile]) -> None:
    """In the message's transaction: the files become the message's attachments, in order
    (none: no statement). The push that follows reads them from the instance."""
    message.__dict__["_mc_files"] = list(files)
    if not files:
        return
    MessageAttachment.objects.bulk_create(
        MessageAttachment(
            message=message, file=f, position=i, filename=f.original_name, size=f.size
        )
        for i, f in enumerate(files)
    )


def body_with_names(body: str, files: list[StoredFile]) -> str:
    """A message of only files still says something in lists, previews and search."""
    if (body or "").strip() or not files:
        return body
    return ", ".join(f.original_name for f in files)


# --- delivery --------------------------------------------------------------------------------


def delivery_parts(
    message: Message, *, attaches: Callable[[StoredFile], bool]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The message's files for its transport: the ids it attaches itself (within the channel's
    size limit, the files the transport attaches: ``Transport.attaches``), and download links
    for the rest."""
    rows = MessageAttachment.objects.filter(message=message, file__isnull=False)
    caps = message.connection.capabilities
    attached: list[str] = []
    linked: list[dict[str, Any]] = []
    for row in rows.select_related("file__account"):
        stored = row.file
        assert stored is not None
        limit = caps.max_bytes_for(stored.media_kind) or PRODUCT_MAX_FILE_BYTES
        if attaches(stored) and stored.size <= limit:
            attached.append(stored.public_id)
        else:
            url = links.absolute(links.lasting_link(stored))
            linked.append({"name": stored.original_name, "size": stored.size, "url": url})
    return attached, linked


def text_with_links(body: str, linked: list[dict[str, Any]]) -> str:
    if not linked:
        return body
    lines = [f"{item['name']}: {item['url']}" for item in linked]
    return "\n".join([body, "", *lines]) if body else "\n".join(lines)
