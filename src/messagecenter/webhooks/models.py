"""Outgoing webhooks: an account's endpoints, the events they are sent, one delivery row per
(endpoint, event) and one attempt row per request (the delivery log)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager
from messagecenter.core.secrets import EncryptedJSONField


def new_endpoint_id() -> str:
    return new_public_id("wh")


def new_event_id() -> str:
    # The ``webhook-id`` receivers dedupe by (Standard Webhooks' examples use ``msg_``).
    return new_public_id("msg")


class WebhookEndpoint(models.Model):
    """A URL of the account's own system that receives signed events of the chosen types.

    Health: ``failing_since`` is the first failed attempt since the last success and
    ``consecutive_failures`` counts them; sustained failure disables the endpoint
    (``disabled_reason`` says why, for the admins' mail and the page).
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_endpoint_id)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    # ``{"signing": ["whsec_…"]}``: encrypted at rest, shown once at creation and rotation.
    credentials = EncryptedJSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    """One event as it is sent: the exact body every attempt posts, and its ``public_id``
    (the ``webhook-id``, the same on every retry and replay). ``source`` names what caused it
    (e.g. ``timeline:cv_…:7:message.created``), unique per account, so an outbox event
    handled twice (a crash after the work) makes no second event."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_event_id)
    type = models.CharField(max_length=64)
    source = models.CharField(max_length=200)
    # Whose personal data the body holds (a contact's public id): forgotten at erasure.
    contact = models.CharField(max_length=24, blank=True, db_index=True)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "source"], name="webhook_event_source")
        ]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """An event for one endpoint, committed before the first request is made (so a crash
    loses nothing): claimed with a compare-and-set, retried with backoff until it succeeds or
    its attempts run out."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Delivered")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed")
    # A worker died while it waited for the answer (the sweep found it).
    INTERRUPTED = "interrupted", _("Interrupted")


class WebhookAttempt(models.Model):
    """One request: what was sent, what came back and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    # A replay asked for by an administrator, not the retry schedule.
    manual = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivery", "number"])]
