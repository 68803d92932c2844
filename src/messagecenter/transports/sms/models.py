"""What the SMS channel keeps beside the conversation domain:

- ``SmsEvent``: each request Twilio posted to a connection's webhooks (an incoming message or
  a status callback), committed with its parameters before the webhook answers, unique per
  (connection, kind, MessageSid, status): Twilio's redelivery is the same row again. A job
  processes it (``inbound.process``) and records the outcome; the minute's sweep picks up an
  event whose job was lost, or a status that arrived before our own record of the send.
"""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    MESSAGE = "message"
    STATUS = "status"


class EventOutcome(models.TextChoices):
    PENDING = "pending"
    MESSAGE = "message"
    DUPLICATE = "duplicate"
    OPTED_OUT = "opted_out"  # STOP (the message is stored too)
    OPTED_IN = "opted_in"  # START
    STATUS = "status"  # the delivery moved forward
    STALE = "stale"  # a status older than the one the delivery has
    IGNORED = "ignored"
    REFUSED = "refused"  # the domain refused it (a blocked contact…)
    FAILED = "failed"  # kept failing: given up after MAX_ATTEMPTS


class SmsEvent(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    message_sid = models.CharField(max_length=64)
    # A status callback's MessageStatus; empty for an incoming message.
    status = models.CharField(max_length=16, blank=True)
    params = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, default=EventOutcome.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it was ignored, refused or failed (no secrets: Twilio's words or ours).
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "message_sid", "status"], name="sms_event_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="sms_event_pending",
            )
        ]

    def __str__(self) -> str:
        return f"sms {self.kind} {self.message_sid} {self.status} ({self.outcome})"
