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
    # The same durations counted inside the widget's business hours only (docs/metrics.md
    # Time); a widget without business hours is always open, so they equal the calendar ones.
    first_response_business_seconds = models.IntegerField(null=True)
    reply_business_total = models.BigIntegerField(default=0)
    reply_business_mean = models.IntegerField(null=True)
    contact_messages = models.PositiveIntegerField(default=0)
    operator_messages = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True)
    ended_local_day = models.DateField(null=True)
    resolution_seconds = models.IntegerField(null=True)
    resolution_business_seconds = models.IntegerField(null=True)
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
            # Covering the medians and p90s: the period's values are read from the index
            # alone (no table rows), then sorted (queries.percentiles).
            models.Index(
                fields=[
                    "account",
                    "local_day",
                    "first_response_seconds",
                    "reply_seconds_mean",
                    "first_response_business_seconds",
                    "reply_business_mean",
                ],
                name="metric_started_durations",
            ),
            models.Index(
                fields=[
                    "account",
                    "ended_local_day",
                    "resolution_seconds",
                    "resolution_business_seconds",
                ],
                name="metric_ended_durations",
            ),
            # The feedback list: newest comments first, without reading the period's rows.
            models.Index(fields=["account", "has_feedback", "rated_at"], name="metric_feedback"),
        ]


# The daily roll-up's counters (``DailyRollup``), in three groups by the day they count on.
STARTED_COUNTERS = (
    "new",
    "live",
    "unanswered",
    "contact_messages",
    "operator_messages",
    "reopened",
    "first_n",
    "first_sum",
    "first_business_sum",
    "reply_n",
    "replies",
    "reply_sum",
    "reply_business_sum",
    "rated_n",
    "rating_sum",
    *(f"hour_{h:02d}" for h in range(24)),
)
ENDED_COUNTERS = ("ended", "resolution_n", "resolution_sum", "resolution_business_sum")
RATED_COUNTERS = tuple(f"stars_{s}" for s in range(1, 6))
COUNTERS = STARTED_COUNTERS + ENDED_COUNTERS + RATED_COUNTERS


class DailyRollup(models.Model):
    """The counts and sums of one local day for one *slice* of the account's conversations,
    added up from the metric rows by the outbox handler in the same transaction
    (``analytics.rollups``). ``slice`` is a filter: everything (``""``) or one dimension's
    value (``"o:12"``: operator 12; ``o`` operator, ``g`` group, ``t`` topic, ``c`` channel,
    ``w`` widget; ``-`` none); ``part`` is a breakdown inside it by operator, channel or
    topic (``"c:email"``) or the whole slice (``""``). So the page with at most one filter
    reads a few hundred of these rows instead of the period's metric rows. Medians and p90s
    do not add up: they stay on the metric rows."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    local_day = models.DateField()
    slice = models.CharField(max_length=24)
    part = models.CharField(max_length=24, blank=True)
    # Counted on the start day: the conversations started that day.
    new = models.IntegerField(default=0)
    live = models.IntegerField(default=0)
    unanswered = models.IntegerField(default=0)
    contact_messages = models.IntegerField(default=0)
    operator_messages = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    first_n = models.IntegerField(default=0)
    first_sum = models.BigIntegerField(default=0)
    first_business_sum = models.BigIntegerField(default=0)
    reply_n = models.IntegerField(default=0)  # conversations with a reply mean
    replies = models.IntegerField(default=0)  # reply waits
    reply_sum = models.BigIntegerField(default=0)
    reply_business_sum = models.BigIntegerField(default=0)
    rated_n = models.IntegerField(default=0)  # started that day and rated (any day)
    rating_sum = models.IntegerField(default=0)
    # Counted on the day of the last end: the conversations ended that day.
    ended = models.IntegerField(default=0)
    resolution_n = models.IntegerField(default=0)
    resolution_sum = models.BigIntegerField(default=0)
    resolution_business_sum = models.BigIntegerField(default=0)

    objects: models.Manager[DailyRollup] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "slice", "part", "local_day"], name="rollup_unique_day"
            )
        ]


# New conversations per local hour of the start, and ratings per star on the rating's day.
for _hour in range(24):
    DailyRollup.add_to_class(f"hour_{_hour:02d}", models.IntegerField(default=0))
for _stars in range(1, 6):
    DailyRollup.add_to_class(f"stars_{_stars}", models.IntegerField(default=0))


class AnalyticsVersion(models.Model):
    """Replaced (by a random number) in the transaction of every analytics write of the
    account: the page's cache is keyed by it, so a cached view is never older than the rows
    it was computed from."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    objects: models.Manager[AnalyticsVersion] = models.Manager()


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
