"""Analytics rows (docs/metrics.md).

Anonymous on purpose: no contact, no text, and no foreign key to the conversation (its random
public id only), so erasure and retention remove the conversation but not its numbers. The
dimension columns are plain ids for the same reason (a deleted topic must not delete history).
"""

from __future__ import annotations

from django.db import models


class ConversationMetric(models.Model):
    """One conversation's numbers, folded from its timeline (``analytics.fold``)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation_key = models.CharField(max_length=24, unique=True)
    # Dimensions: the conversation's current ones (docs/metrics.md "The operator").
    channel = models.CharField(max_length=16, blank=True)
    widget_id = models.IntegerField(null=True)
    topic_id = models.IntegerField(null=True)
    group_id = models.IntegerField(null=True)
    operator_id = models.IntegerField(null=True)
    # The last timeline entry folded in: each entry counts exactly once.
    last_seq = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, default="new")
    started_at = models.DateTimeField()
    # The start, the last end and the rating in the account's time zone (docs/metrics.md Time).
    local_day = models.DateField()
    local_hour = models.PositiveSmallIntegerField()
    local_weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    first_contact_at = models.DateTimeField(null=True)
    first_response_at = models.DateTimeField(null=True)
    first_response_seconds = models.IntegerField(null=True)
    # The first contact message the team still owes a reply to (fold state).
    owed_since = models.DateTimeField(null=True)
    reply_count = models.PositiveIntegerField(default=0)
    reply_seconds_total = models.BigIntegerField(default=0)
    reply_seconds_mean = models.IntegerField(null=True)
    contact_messages = models.PositiveIntegerField(default=0)
    operator_messages = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True)
    ended_local_day = models.DateField(null=True)
    resolution_seconds = models.IntegerField(null=True)
    reopened = models.PositiveIntegerField(default=0)
    was_live = models.BooleanField(default=False)
    # While LIVE: since when (fold state, the open slot interval).
    live_since = models.DateTimeField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    rated_at = models.DateTimeField(null=True)
    rated_local_day = models.DateField(null=True)
    # Whether the rating came with a comment; the comment itself stays on the conversation.
    has_feedback = models.BooleanField(default=False)

    objects: models.Manager[ConversationMetric] = models.Manager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "local_day"], name="metric_started"),
            models.Index(fields=["account", "ended_local_day"], name="metric_ended"),
            models.Index(fields=["account", "rated_local_day"], name="metric_rated"),
            models.Index(fields=["account", "operator_id", "local_day"], name="metric_operator"),
        ]


class PresenceInterval(models.Model):
    """An operator was Online from ``started_at`` to ``ended_at`` (open: still Online)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    operator_id = models.IntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)

    objects: models.Manager[PresenceInterval] = models.Manager()

    class Meta:
        indexes = [models.Index(fields=["account", "started_at"], name="presence_interval_start")]


class SlotInterval(models.Model):
    """A conversation held a chat slot of ``operator_id`` (it was LIVE) in this interval."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    operator_id = models.IntegerField(null=True)
    conversation_key = models.CharField(max_length=24)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)

    objects: models.Manager[SlotInterval] = models.Manager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "started_at"], name="slot_interval_start"),
            models.Index(fields=["conversation_key", "ended_at"], name="slot_interval_open"),
        ]
