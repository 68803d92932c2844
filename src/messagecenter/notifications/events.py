"""Events of the notifications domain."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# The job that makes notifications from outbox events (notifications.tasks).
JOB = "notifications.notify"


class NotificationEvent(TypedDict):
    """To the recipient's own group: the bell counter and the browser notification."""

    type: Literal["notification.created"]
    notification: str
    kind: str
    conversation: str | None
    seq: int | None
    unread: int


def can_notify(event: dict[str, Any]) -> bool:
    """Timeline entries that can notify someone: a contact's message, an assignment."""
    if event.get("kind") == "message":
        return event.get("actor_kind") == "contact"
    # A call the contact did not answer (the job reads whether it was missed).
    if event.get("kind") == "call":
        return event.get("actor_kind") == "system"
    return event.get("kind") == "assigned"
