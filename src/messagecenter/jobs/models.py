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
