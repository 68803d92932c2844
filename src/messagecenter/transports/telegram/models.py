"""What the Telegram channel keeps beside the conversation domain:

- ``TelegramUpdate``: each update Telegram posted to a connection's webhook, committed as it
  came before the webhook answers 200, unique per (connection, ``update_id``): Telegram's
  redelivery of an update is the same row again. A job processes it (``inbound.process``)
  and records the outcome; the minute's sweep picks up an update whose job was lost.
"""

from __future__ import annotations

from django.db import models


class UpdateOutcome(models.TextChoices):
    PENDING = "pending"
    MESSAGE = "message"
    DUPLICATE = "duplicate"
    EDITED = "edited"
    IDENTIFIED = "identified"  # a /start deep link named the contact
    IGNORED = "ignored"  # not something we take (a group chat, a poll, a bot's own message)
    REFUSED = "refused"  # the domain refused it (a blocked contact…)
    FAILED = "failed"  # kept failing: given up after MAX_ATTEMPTS


class TelegramUpdate(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    update_id = models.BigIntegerField()
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, default=UpdateOutcome.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it was ignored, refused or failed (no secrets: Telegram's words or ours).
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "update_id"], name="telegram_update_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="telegram_update_pending",
            )
        ]

    def __str__(self) -> str:
        return f"telegram update {self.update_id} ({self.outcome})"
