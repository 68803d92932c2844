"""Stored files: attachments, voice messages, imports and exports all point here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_file_id() -> str:
    return new_public_id("file")


# The image types a browser may show inline: never SVG (it can carry script).
RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class ScanState(models.TextChoices):
    PENDING = "pending", _("Not scanned yet")
    CLEAN = "clean", _("Clean")
    INFECTED = "infected", _("Infected")
    SKIPPED = "skipped", _("Not scanned (no scanner configured)")


class StoredFile(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="files")
    public_id = models.CharField(max_length=24, unique=True, default=new_file_id)
    storage_key = models.CharField(max_length=255, unique=True)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # Sniffed from the content, never trusted from the client's Content-Type.
    content_type = models.CharField(max_length=120)
    media_kind = models.CharField(max_length=16)
    scan_state = models.CharField(
        max_length=16, choices=ScanState.choices, default=ScanState.SKIPPED
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    created_by_kind = models.CharField(max_length=16)
    created_by_id = models.CharField(max_length=24, blank=True)
    created_at = models.DateTimeField()
    # A small preview of a raster image (storage key), made when it is stored; else empty.
    thumbnail_key = models.CharField(max_length=255, blank=True)
    # A voice message (R-FILE-2): recorded in the composer or the messenger, or a WhatsApp or
    # Telegram voice note. Its length in milliseconds (as declared by the recorder until the
    # remux job has measured it), and its OGG/Opus copy (storage key) that the players and the
    # channels that take only OGG/Opus voice notes use (``files.voice``).
    voice = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    voice_ogg_key = models.CharField(max_length=255, blank=True)

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_raster_image(self) -> bool:
        """Shown inline (and previewed); SVG is an image type but a document that can run."""
        return self.content_type in RASTER_TYPES


def new_upload_id() -> str:
    return new_public_id("upl")


class Upload(models.Model):
    """A resumable upload in progress (a small tus-like protocol: create with the total
    length, PATCH chunks at ``offset``, HEAD to learn the offset after a dropped connection).

    Each received chunk is kept in storage under ``parts/<public_id>/`` (so any server process
    can take the next chunk, local folder or S3 alike); the last chunk assembles them into a
    ``StoredFile`` and removes the parts. An upload nobody finishes is removed by the
    periodic ``files.sweep_uploads`` job."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_upload_id)
    filename = models.CharField(max_length=255)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # Who may continue it: the operator or contact (their public id) that created it.
    created_by_kind = models.CharField(max_length=16)
    created_by_id = models.CharField(max_length=24)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The conversation (public id) it is for: its channel's rules were checked at creation.
    conversation_id = models.CharField(max_length=24, blank=True)
    # Storage keys of the received chunks, in order (written under the row's lock).
    parts = models.JSONField(default=list, blank=True)
    file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A voice recording and the length its recorder declared (milliseconds).
    voice = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.length})"

    @property
    def complete(self) -> bool:
        return self.file_id is not None
