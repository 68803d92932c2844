"""The durable outbox: domain events for consumers that must not miss one.

The push bus (``core.events``) is best effort: clients resume from the database. Work that
must happen — notifications now; webhooks, translation and analytics later — follows the
outbox instead:

- a consumer app subscribes its job to a topic at start-up (``subscribe(topic, job, wants)``);
- a writer publishes in its own transaction (``publish``): one ``OutboxEvent`` row per
  subscribed job that wants the event, all in ONE INSERT, each enqueued by name after commit;
- the job runs ``consume(event_pk, handler)``: it claims the row with a lease, calls the
  handler (which must be idempotent: a crash after the work and before the mark repeats it)
  and marks the row processed; an error leaves it for the sweep, up to ``MAX_ATTEMPTS``;
- ``sweep`` (every minute and at start-up) enqueues rows still unprocessed a lease after they
  were written or claimed: their job was lost with a crashed worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from messagecenter.core import clock
from messagecenter.jobs.models import OutboxEvent
from messagecenter.jobs.names import enqueue, enqueue_on_commit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Subscription:
    job: str
    # Decides in the writer, from the payload alone, whether this job needs the event, so a
    # write nobody consumes costs no row.
    wants: Callable[[dict[str, Any]], bool]


_subscriptions: dict[str, list[Subscription]] = {}


def subscribe(topic: str, job: str, wants: Callable[[dict[str, Any]], bool] | None = None) -> None:
    """Called by the consuming app's ``ready``: ``job`` (a name, see ``jobs.names``) gets
    every ``topic`` event that ``wants`` accepts."""
    subscriptions = _subscriptions.setdefault(topic, [])
    if all(s.job != job for s in subscriptions):
        subscriptions.append(Subscription(job, wants or (lambda payload: True)))


def publish(events: Iterable[tuple[str, dict[str, Any]]], *, account_id: int | None) -> int:
    """Write the rows for ``(topic, payload)`` events in the caller's transaction."""
    now = clock.now()
    rows = [
        OutboxEvent(account_id=account_id, topic=topic, job=s.job, payload=payload, created_at=now)
        for topic, payload in events
        for s in _subscriptions.get(topic, [])
        if s.wants(payload)
    ]
    if not rows:
        return 0
    OutboxEvent.objects.bulk_create(rows)
    for row in rows:
        enqueue_on_commit(row.job, row.pk)
    return len(rows)


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def consume(event_pk: int, handler: Callable[[dict[str, Any]], Any]) -> bool:
    """Claim the event, run ``handler(payload)``, mark it processed. False when another worker
    holds it, it is done, or the handler failed (then the sweep offers it again)."""
    now = clock.now()
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    won = OutboxEvent.objects.filter(
        claimable, pk=event_pk, processed_at__isnull=True, failed_at__isnull=True
    ).update(claimed_until=now + lease(), attempts=F("attempts") + 1)
    if not won:
        return False
    event = OutboxEvent.objects.get(pk=event_pk)
    try:
        handler(event.payload)
    except Exception as error:  # the row must end in a state the sweep can act on
        log.exception("outbox event %s (%s → %s) failed", event.pk, event.topic, event.job)
        _failed(event, error)
        return False
    OutboxEvent.objects.filter(pk=event_pk).update(processed_at=clock.now(), claimed_until=None)
    return True


def _failed(event: OutboxEvent, error: Exception) -> None:
    changes: dict[str, Any] = {"last_error": type(error).__name__[:200]}
    if event.attempts >= MAX_ATTEMPTS:
        changes["failed_at"] = clock.now()
    else:
        changes["claimed_until"] = clock.now()  # free at once: the next sweep retries
    OutboxEvent.objects.filter(pk=event.pk).update(**changes)


def sweep() -> list[int]:
    """Enqueue every event unprocessed a lease after it was written, whose claim (if any) ran
    out: its job died or was never run. Safe anywhere and often: ``consume`` claims."""
    now = clock.now()
    stale = OutboxEvent.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        processed_at__isnull=True,
        failed_at__isnull=True,
        created_at__lt=now - lease(),
    ).order_by("pk")
    picked = list(stale.values_list("pk", "job")[:1000])
    for pk, job in picked:
        enqueue(job, pk)
    return [pk for pk, _job in picked]
