"""The job row: what to do, how far it got, and which worker holds it right now."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One piece of long work (an import, a bulk action, an erasure…), resumable.

    A worker owns a running job through its lease (``lease_owner`` until
    ``lease_expires_at``), renewed by heartbeats while it works. The kind's work saves its
    ``checkpoint`` in the same transaction as each batch, so a job whose worker died is taken
    up from there by another worker: nothing done twice, nothing skipped. ``payload`` names
    what to work on, by id, never copied personal data.
    """

    account = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.PENDING)
    checkpoint = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    # "<host>:<pid>:<process token>" of the worker holding the job.
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "lease_expires_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"


class OutboxEvent(models.Model):
    """A domain event a durable consumer must see, written in the writer's transaction.

    One row per (event, consuming job): the writer publishes a topic (``jobs.outbox``), every
    job subscribed to it gets its row, enqueued by name after commit. The job claims the row
    (a lease), does its idempotent work and marks it ``processed_at``; a row whose job was lost
    in a crash is unprocessed past its lease and the sweep enqueues it again.
    """

    account = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(max_length=64)
    job = models.CharField(max_length=64)
    # Ids only (a conversation, a seq), never copies of personal data.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True, failed_at__isnull=True),
                name="outbox_pending",
            ),
            # What a drain reads: the events of its job no worker has tried yet. Rows leave
            # it when claimed, so it stays as small as the backlog (not the table's history).
            models.Index(
                fields=["job", "id"],
                condition=models.Q(processed_at__isnull=True, failed_at__isnull=True, attempts=0),
                name="outbox_untried",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.job} #{self.pk}"
