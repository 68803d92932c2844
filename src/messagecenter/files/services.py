"""The one writer of stored files.

Files are streamed to storage in chunks while their SHA-256 and size are computed, so a 100 MB
upload never sits in memory. The type is sniffed from the first bytes, never taken from the
client; the storage key is random, so names never collide or leak.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from typing import BinaryIO

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
from messagecenter.files.models import ScanState, StoredFile

CHUNK = 1024 * 1024


def _spool(stream: BinaryIO, limit: int):
    """Copy the upload to a temporary file, hashing and counting; refuse it past ``limit``
    before anything reaches storage, so a refused upload leaves nothing behind."""
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 (returned open to the caller)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise ValidationFailed(_("Files can be at most %(mb)d MB.") % {"mb": limit >> 20})
        digest.update(chunk)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, size, digest.hexdigest()


def store_file(
    account: Account,
    stream: BinaryIO,
    original_name: str,
    *,
    actor: Actor,
    contact=None,
    max_bytes: int | None = None,
) -> StoredFile:
    """Stream ``stream`` into storage and record it. Nothing is kept if anything fails."""
    name = os.path.basename(original_name or "file").strip()[:255] or "file"
    spooled, size, sha256 = _spool(stream, max_bytes or settings.MAX_UPLOAD_BYTES)
    if size == 0:
        spooled.close()
        raise ValidationFailed(_("The file is empty."))
    content_type, media_kind = sniff(spooled.read(262), name)
    spooled.seek(0)
    key = f"{account.public_id}/{secrets.token_hex(16)}"
    with spooled:
        saved = default_storage.save(key, File(spooled, name=name))
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                account=account,
                storage_key=saved,
                original_name=name,
                size=size,
                sha256=sha256,
                content_type=content_type,
                media_kind=media_kind,
                scan_state=ScanState.SKIPPED,
                contact=contact,
                created_by_kind=actor.kind,
                created_by_id=actor.public_id,
                created_at=clock.now(),
            )
    except Exception:
        default_storage.delete(saved)
        raise


def delete_file(stored: StoredFile) -> None:
    """Remove the bytes and the row (GDPR erasure and retention use this)."""
    with transaction.atomic():
        key = stored.storage_key
        stored.delete()
        transaction.on_commit(lambda: default_storage.delete(key))


def open_file(stored: StoredFile):
    return default_storage.open(stored.storage_key, "rb")


def sniff(head: bytes, name: str) -> tuple[str, str]:
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
    elif _looks_like_text(head):
        mime = "text/plain"
    else:
        mime = "application/octet-stream"
    return mime, media_kind_of(mime)


def media_kind_of(mime: str) -> str:
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if mime in ("application/pdf", "text/plain") or "document" in mime or "msword" in mime:
        return "document"
    return "other"


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head
