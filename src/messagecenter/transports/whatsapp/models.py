"""What the WhatsApp channel keeps beside the conversation domain:

- ``WhatsAppDelivery``: each webhook POST Meta made to a connection, committed as it came
  (the raw body's JSON) before the webhook answers 200. Meta's payloads carry no id of their
  own, so a redelivery of the same bytes is recognised by the body's SHA-256 (unique per
  connection). A job processes it (``inbound.process``) and records the outcome; the
  minute's sweep picks up one whose job was lost or that waits for a status's message.
- ``WhatsAppReaction``: the contact's reaction (an emoji) to one message of the conversation,
  theirs or ours; WhatsApp allows one per user and message, a new one replaces it and an empty
  one removes it. Shown on the message (``reactions.message_extras``).
- ``WhatsAppEvent``: one handled item that is not a message (a status, a preference, a
  system message), unique per (connection, ``key``): ``status:<wamid>:<status>`` and the
  like. Messages need none: ``conversations.inbound.receive`` is exactly-once on the wamid.
"""

from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    PENDING = "pending"
    DONE = "done"  # every item handled (messages, statuses, preferences…)
    IGNORED = "ignored"  # nothing in it we take (an account update, a template change)
    FAILED = "failed"  # kept failing: given up after MAX_ATTEMPTS


class WhatsAppDelivery(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, default=Outcome.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What was done with its items, counted ("2 messages, 1 status"), or why it failed.
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "digest"], name="whatsapp_delivery_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="whatsapp_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"whatsapp delivery {self.pk} ({self.outcome})"


class WhatsAppEvent(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=300)
    handled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="whatsapp_event_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WhatsAppReaction(models.Model):
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="whatsapp_reaction"
    )
    emoji = models.CharField(max_length=32)
    # The reaction's own wamid and time: an older reaction redelivered later changes nothing.
    wamid = models.CharField(max_length=200)
    reacted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"
