"""Hands the domain events that can notify someone to a durable job.

Notifications are a durable side effect (an operator must find them later), so they are made
by a Huey task with retries, not in the request; the task is idempotent on the event.
"""

from __future__ import annotations

from typing import Any

NOTIFYING = {"note.mention", "conversation.changed"}


def notification_sink(event: dict[str, Any], groups: list[str]) -> None:
    if event.get("type") not in NOTIFYING:
        return
    if event["type"] == "conversation.changed" and event.get("kind") not in ("message", "assigned"):
        return
    from messagecenter.notifications.tasks import notify_from_event

    notify_from_event(event)
