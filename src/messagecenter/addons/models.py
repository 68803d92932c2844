"""Add-ons and their runs (the run log)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager
from messagecenter.core.secrets import EncryptedJSONField


def new_addon_id() -> str:
    return new_public_id("ad")


def new_run_id() -> str:
    # Also the run's ``webhook-id``: an add-on that sees it twice drops the copy.
    return new_public_id("run")


class Addon(models.Model):
    """An account's HTTPS endpoint that receives a conversation and answers with content
    (HTML for the sidebar) or actions. ``in_conversation``: offered in the conversation's
    action bar; ``in_bulk``: offered for selections in All conversations."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_addon_id)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000)
    # ``{"signing": ["whsec_…"]}`` (and the previous one during a rotation): encrypted at
    # rest, shown once at creation and rotation.
    credentials = EncryptedJSONField(default=dict, blank=True)
    in_conversation = models.BooleanField(default=True)
    in_bulk = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="addon_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class RunState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    CONVERSATION = "conversation", _("Action bar")
    BULK = "bulk", _("All conversations")


class AddonRun(models.Model):
    """One run of an add-on on one conversation: who started it, when, how the exchange
    went (status, timing, the start of the answer or the error), the content it answered
    and the actions applied or refused (each with its reason)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_run_id)
    addon = models.ForeignKey(Addon, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    started_by = models.ForeignKey(
        "accounts.Operator", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=12, choices=RunTrigger.choices)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.PENDING)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    # The HTML the add-on answered, shown in the sidebar's sandboxed frame.
    content = models.TextField(blank=True)
    # [{"type": "set_topic", "detail": "Billing"}, …] and [{"type": …, "reason": …}, …]
    actions_applied = models.JSONField(default=list, blank=True)
    actions_refused = models.JSONField(default=list, blank=True)

    objects = AccountScopedManager()

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "-created_at"]),
            models.Index(fields=["addon", "-created_at"]),
            models.Index(fields=["state", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.addon_id} on {self.conversation_id} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (RunState.SUCCEEDED, RunState.FAILED)
