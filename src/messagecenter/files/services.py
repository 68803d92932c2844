"""The one writer of stored files.

Files are streamed to storage in chunks while their SHA-256 and size are computed, so a 100 MB
upload never sits in memory. The type is sniffed from the first bytes, never taken from the
client; the storage key is random, so names never collide or leak. Raster images lose their
EXIF location and camera data before they are stored (what is stored is what is sent) and get
a small thumbnail (``files.images``).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import tempfile
from typing import IO, BinaryIO

import filetype
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts.models import Account
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.files import images, scanning
from messagecenter.files import voice as voice_files
from messagecenter.files.models import RASTER_TYPES, StoredFile
from messagecenter.jobs.names import enqueue_on_commit

CHUNK = 1024 * 1024
# Enough of the file for filetype's signatures and for the text sniff below.
HEAD = 8192


def too_large(limit: int) -> ValidationFailed:
    return ValidationFailed(
        _("Files can be at most %(mb)s MB.") % {"mb": _megabytes(limit)}, code="file_too_large"
    )


def _megabytes(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"


def _spool(stream: BinaryIO, limit: int) -> IO[bytes]:
    """Copy the upload to a temporary file; refuse it past ``limit`` before anything reaches
    storage, so a refused upload leaves nothing behind."""
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 (returned open to the caller)
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise too_large(limit)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def store_file(
    account: Account,
    stream: BinaryIO,
    original_name: str,
    *,
    actor: Actor,
    contact=None,
    max_bytes: int | None = None,
    voice: bool = False,
    duration_ms: int | None = None,
) -> StoredFile:
    """Stream ``stream`` into storage and record it. Nothing is kept if anything fails."""
    with _spool(stream, max_bytes or settings.MAX_UPLOAD_BYTES) as spooled:
        return store_spooled(
            account,
            spooled,
            original_name,
            actor=actor,
            contact=contact,
            voice=voice,
            duration_ms=duration_ms,
        )


def store_spooled(
    account: Account,
    spooled: IO[bytes],
    original_name: str,
    *,
    actor: Actor,
    contact=None,
    clean: bool = False,
    voice: bool = False,
    duration_ms: int | None = None,
) -> StoredFile:
    """Store a file already on local disk (a spooled upload, assembled chunks): sniff, scan,
    save, record. ``clean``: a file about to be sent (an upload) loses an image's private
    metadata first; what a channel delivered is kept exactly as it came. ``voice``: a voice
    message of ``duration_ms`` (``files.voice``): an upload must be Opus audio; a channel's
    voice note that is not stays an ordinary file. The caller closes ``spooled``."""
    name = clean_name(original_name)
    spooled.seek(0)
    content_type, media_kind = sniff(spooled.read(HEAD), name)
    if voice:
        recording = voice_files.examine(spooled)
        if recording is None and clean:
            raise voice_files.not_a_recording()
        voice = recording is not None
        if recording is not None:
            content_type, media_kind = recording.content_type, "audio"
            duration_ms = recording.duration_ms or duration_ms
    if clean and content_type in RASTER_TYPES:
        spooled = images.without_private_metadata(spooled, content_type)
    size, sha256 = _measure(spooled)
    if size == 0:
        raise ValidationFailed(_("The file is empty."), code="file_empty")
    scan_state = scanning.scan(spooled)
    key = f"{account.public_id}/{secrets.token_hex(16)}"
    spooled.seek(0)
    saved = default_storage.save(key, File(spooled, name=name))
    thumbnail = images.thumbnail(spooled, saved) if content_type in RASTER_TYPES else ""
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                account=account,
                storage_key=saved,
                original_name=name,
                size=size,
                sha256=sha256,
                content_type=content_type,
                media_kind=media_kind,
                scan_state=scan_state,
                contact=contact,
                created_by_kind=actor.kind,
                created_by_id=actor.public_id,
                created_at=clock.now(),
                thumbnail_key=thumbnail,
                voice=voice,
                duration_ms=duration_ms if voice else None,
            )
    except Exception:
        _delete_keys([saved, thumbnail])
        raise
    if voice:  # its OGG/Opus copy, made by a job (never in this request)
        enqueue_on_commit(voice_files.JOB, stored.pk)
    return stored


def clean_name(original_name: str) -> str:
    name = os.path.basename((original_name or "file").replace("\\", "/")).strip()
    return name[:255] or "file"


def _measure(spooled: IO[bytes]) -> tuple[int, str]:
    spooled.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := spooled.read(CHUNK):
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def delete_file(stored: StoredFile) -> None:
    """Remove the bytes and the row (GDPR erasure and retention use this)."""
    with transaction.atomic():
        keys = list(dict.fromkeys([stored.storage_key, stored.thumbnail_key, stored.voice_ogg_key]))
        stored.delete()
        transaction.on_commit(lambda: _delete_keys(keys))


def _delete_keys(keys: list[str]) -> None:
    for key in keys:
        if key:
            default_storage.delete(key)


def open_file(stored: StoredFile):
    return default_storage.open(stored.storage_key, "rb")


def open_thumbnail(stored: StoredFile):
    return default_storage.open(stored.thumbnail_key, "rb")


# --- what a file is ---------------------------------------------------------------------------


def sniff(head: bytes, name: str = "") -> tuple[str, str]:
    """The type from the content alone (``name`` is never trusted). ``filetype`` knows binary
    signatures; markup is text and is recognised here, so an HTML or SVG file named .png is
    still HTML or SVG (and never shown inline)."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
    elif (text := _as_text(head)) is not None:
        mime = _markup_type(text) or "text/plain"
    else:
        mime = "application/octet-stream"
    return mime, media_kind_of(mime)


# The leading tags by which browsers' MIME sniffing (WHATWG "MIME Sniffing", 7.1) take a text
# for HTML.
_HTML_START = re.compile(
    rb"<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    rb"|!--)[\s>]",
    re.IGNORECASE,
)


def _markup_type(text: bytes) -> str | None:
    lead = text.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    lowered = lead[:HEAD].lower()
    if b"<svg" in lowered and (lowered.startswith(b"<") or lowered.startswith(b"<?xml")):
        return "image/svg+xml"
    if _HTML_START.match(lead):
        return "text/html"
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    return None


def media_kind_of(mime: str) -> str:
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if mime in ("application/pdf", "text/plain") or "document" in mime or "msword" in mime:
        return "document"
    return "other"


def _as_text(head: bytes) -> bytes | None:
    """The head when it is UTF-8 text (a multi-byte character cut at the end is fine)."""
    if b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return head
