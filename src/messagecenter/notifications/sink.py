"""Hands the domain events that can notify someone to a durable job.

Notifications are a durable side effect (an operator must find them later), so they are made
by a Huey task with retries, not in the request; the task is idempotent on the event.
"""

from __future__ import annotations

from typing import Any

NOTIFYING = {"note.mention", "timeline.entry"}
# Entries that can notify: a contact message, an assignment. One write announces several
# entries but one ``conversation.changed``, so the per-entry event is the one to follow.
NOTIFYING_ENTRIES = {"message", "assigned"}


def notification_sink(event: dict[str, Any], groups: list[str]) -> None:
    if event.get("type") not in NOTIFYING:
        return
    if event["type"] == "timeline.entry" and not _can_notify(event["entry"]):
        return
    from messagecenter.notifications.tasks import notify_from_event

    notify_from_event(event)


def _can_notify(entry: dict[str, Any]) -> bool:
    if entry.get("kind") == "message":
        return entry.get("actor", {}).get("kind") == "contact"
    return entry.get("kind") in NOTIFYING_ENTRIES
