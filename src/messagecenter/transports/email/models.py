"""The e-mail channel's state, apart from configuration (``config.py``):

- ``Mailbox``: per e-mail connection, where its IMAP folder has been read (UIDVALIDITY and
  the last UID, written in the same transaction as each ingested mail), how the last read
  went (shown in Settings › Channels, never with a secret), and counts of the mails that were
  not customer messages (auto-replies, loops, bounces).
- ``Tombstone``: the hashed Message-ID (``imap.message_key``) of a mail whose conversation was
  deleted or erased: checked before ingesting, so a re-synced mailbox never brings it back.
  A hash, so nothing identifying remains after an erasure.
- ``InboundMail``: what an inbound mail keeps beside its message: the Message-ID, the quoted
  history cut from the body (collapsed in the UI, never lost) and its attachments.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxStatus(models.TextChoices):
    NEW = "new", _("Not read yet")
    OK = "ok", _("Connected")
    ERROR = "error", _("Error")
    STOPPED = "stopped", _("Stopped")


class Mailbox(models.Model):
    connection = models.OneToOneField(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="mailbox"
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=MailboxStatus.choices, default=MailboxStatus.NEW
    )
    # Operator-readable (imap.MailboxError.message): host, port, user, folder; no password.
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # A watcher (IDLE) holds this mailbox until then, renewed while it runs: the minute's
    # polling sync leaves a watched mailbox alone, and takes over when the watcher is gone.
    watched_until = models.DateTimeField(null=True, blank=True)
    # A mail that failed to be stored, and how often in a row (skipped after a few tries).
    failing_uid = models.BigIntegerField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    ingested = models.PositiveIntegerField(default=0)
    auto_replies = models.PositiveIntegerField(default=0)
    loops = models.PositiveIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"mailbox of connection {self.connection_id} ({self.status})"


class Tombstone(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="email_tombstone_unique")
        ]


class InboundMail(models.Model):
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="inbound_mail"
    )
    header_message_id = models.CharField(max_length=998, blank=True)
    # What parse cut from the text to get the body: the quoted history and signature.
    quoted_text = models.TextField(blank=True)
    remote_images_blocked = models.BooleanField(default=False)
    # Parts that could not be stored (over the upload limit): {filename, size, reason}.
    skipped_attachments = models.JSONField(default=list, blank=True)


class MailAttachment(models.Model):
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.CASCADE, related_name="mail_attachments"
    )
    file = models.ForeignKey("files.StoredFile", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
