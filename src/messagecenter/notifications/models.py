"""Notifications: one row per recipient, referencing ids, never copies of messages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id


def new_notification_id() -> str:
    return new_public_id("nt")


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    FORWARDED = "forwarded", _("Forwarded to you")
    NEW_MESSAGE = "new_message", _("New message in your conversation")
    NEW_UNASSIGNED = "new_unassigned", _("New unassigned conversation")
    MENTION = "mention", _("Mentioned in a note")
    CALL_MISSED = "call_missed", _("Missed call")
    ACCOUNT = "account", _("Account activity")


class Notification(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_notification_id)
    operator = models.ForeignKey(
        "accounts.Operator", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    seq = models.PositiveIntegerField(null=True, blank=True)
    actor_kind = models.CharField(max_length=16, blank=True)
    actor_id = models.CharField(max_length=24, blank=True)
    # For account activity: the audit action and target id (ids only).
    action = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=24, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The event that produced it, so a retried job never notifies twice.
    dedupe_key = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operator", "dedupe_key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["operator", "-created_at"]),
            # "Is one unread for this chat already?", asked for every contact message.
            models.Index(
                fields=["operator", "conversation"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_chat",
            ),
        ]
        ordering = ["-created_at", "-id"]
