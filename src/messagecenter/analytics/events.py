"""Names of the analytics job and of the presence topic it follows."""

from __future__ import annotations

# The job that folds outbox events into metric and interval rows (analytics.tasks).
JOB = "analytics.record"

# Published by ``accounts.services.set_presence`` in its transaction.
PRESENCE_TOPIC = "operator.presence"

# Entry kinds that move a metric or a dimension (docs/metrics.md); the fold reads every entry
# after the row's last one, so skipping the others loses nothing.
COUNTED_KINDS = frozenset(
    {"message", "status_changed", "live_changed", "rating", "assigned", "updated"}
)


def wants(event: dict) -> bool:
    if event.get("kind") == "message":
        return event.get("actor_kind") in ("contact", "operator", "token")
    return event.get("kind") in COUNTED_KINDS
