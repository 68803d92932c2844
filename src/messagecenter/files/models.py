"""Stored files: attachments, voice messages, imports and exports all point here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_file_id() -> str:
    return new_public_id("file")


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

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return self.original_name
