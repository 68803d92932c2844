"""A call: one offer from an operator to a contact and what became of it.

The media never touches the Message Center: the two browsers talk WebRTC through the TURN
relay. What is stored is who offered what to whom, when it was answered and ended, and which
sockets (channel names) take part, so a closed tab ends its call and the sweep can tell an
abandoned call from a running one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_call_id() -> str:
    return new_public_id("cl")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ACCEPTED = "accepted", _("In progress")
    DECLINED = "declined", _("Declined")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")
    ENDED = "ended", _("Ended")


# Calls that still hold their conversation (and their operator): at most one each.
OPEN_STATES = (CallState.RINGING, CallState.ACCEPTED)


class Call(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_call_id)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="calls"
    )
    operator = models.ForeignKey(
        "accounts.Operator", null=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # Offered with the camera on; video can still be switched on later where the widget allows.
    video = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.RINGING)
    offered_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Who ended it: "operator", "contact" or "system" (expiry, a closed tab).
    ended_by = models.CharField(max_length=16, blank=True)
    # The sockets taking part: the operator's tab that offered, the contact's tab that accepted.
    operator_channel = models.CharField(max_length=200)
    contact_channel = models.CharField(max_length=200, blank=True)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(state__in=["ringing", "accepted"]),
                name="one_open_call_per_conversation",
            ),
            models.UniqueConstraint(
                fields=["operator"],
                condition=models.Q(state__in=["ringing", "accepted"]),
                name="one_open_call_per_operator",
            ),
        ]
        indexes = [models.Index(fields=["state", "offered_at"], name="call_state_age")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def duration_seconds(self) -> int | None:
        """How long the two talked (accepted to ended); None for a call never answered."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))
