"""Bulk jobs of the All conversations page: one background job per bulk action."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_job_id() -> str:
    return new_public_id("job")


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkJob(models.Model):
    """A bulk action over selected conversations (or all matching a filter), its progress and
    its result: how many were done, how many refused and why.

    The selection is stored as it was given (public ids, or the filter's query string), never
    as copied personal data; refusals keep conversation ids and the services' messages.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_job_id)
    created_by = models.ForeignKey(
        "accounts.Operator", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    # The action's target, by public id: {"operator": "op_…"}, {"status": "open"}…
    params = models.JSONField(default=dict, blank=True)
    # {"ids": ["cv_…", …]} or {"filter": "status=ended&q=…"}
    selection = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # {"<the service's message>": count}, and the first few refusals with their conversation.
    reasons = models.JSONField(default=dict, blank=True)
    examples = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedManager()

    class Meta:
        indexes = [models.Index(fields=["account", "created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} ({self.public_id})"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
