"""The durable outbox: domain events for consumers that must not miss one.

The push bus (``core.events``) is best effort: clients resume from the database. Work that
must happen — notifications now; webhooks, translation and analytics later — follows the
outbox instead:

- a consumer app subscribes its job to a topic at start-up (``subscribe(topic, job, wants)``);
- a writer publishes in its own transaction (``publish``): one ``OutboxEvent`` row per
  subscribed job that wants the event, all in ONE INSERT; after commit it *wakes* each job;
- a woken job drains (``drain(job, handler)``): it consumes every row of the job never tried
  yet, in order. One drain serves a whole burst of writes (see ``wake``): in the embedded
  server on its own drainer thread, elsewhere as one queued job per burst; at 100 messages a
  second, one enqueue per message was a fifth of the write path's CPU;
- ``consume(event_pk, handler)`` claims one row, then calls the handler and marks the row
  processed in one transaction (the handler must still be idempotent for what it does outside
  the database); an error leaves it for the sweep, up to ``MAX_ATTEMPTS``. A drain consumes
  its rows the same way, a few together in one transaction (``_consume_together``);
- ``sweep`` (every minute and at start-up) enqueues rows still unprocessed a lease after they
  were written or claimed, one by one: their job was lost with a crashed worker, or failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q

from messagecenter.core import clock
from messagecenter.jobs.models import OutboxEvent
from messagecenter.jobs.names import enqueue, resolve

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# A wake flag outlives a drain that never started (its worker died) only this long.
WAKE_FLAG_SECONDS = 5
DRAIN_BATCH = 200


@dataclass(frozen=True)
class Subscription:
    job: str
    # Decides in the writer, from the payload alone, whether this job needs the event, so a
    # write nobody consumes costs no row.
    wants: Callable[[dict[str, Any]], bool]


_subscriptions: dict[str, list[Subscription]] = {}


def subscribe(topic: str, job: str, wants: Callable[[dict[str, Any]], bool] | None = None) -> None:
    """Called by the consuming app's ``ready``: ``job`` (a name, see ``jobs.names``) gets
    every ``topic`` event that ``wants`` accepts. The job takes an optional event pk: without
    one it ``drain``s (woken after a write), with one it ``consume``s that event (the sweep)."""
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
    for job in dict.fromkeys(row.job for row in rows):
        resolve(job)  # a wrong name fails in the writer, not later in a worker
        transaction.on_commit(lambda job=job: wake(job))
    return len(rows)


# --- waking and draining ------------------------------------------------------------------
#
# After commit the writer raises the job's wake flag; only the writer that raised it enqueues a
# drain. The drain lowers the flag *before* it reads the rows. So a row committed while the
# flag is up is seen by the drain that lowers it (the row was committed before that), and a row
# committed after the flag went down raises it again and queues the next drain: no row waits
# for the sweep, and a burst costs one enqueue instead of one per event.
#
# The flag must be one flag for writers and drains: the shared cache (Redis), or memory when the
# drains run in this process (``serve`` in embedded mode, immediate jobs). Elsewhere — a
# ``worker`` beside an embedded server — every event is enqueued, as before.

_drains_here = False


def drains_run_here() -> None:
    """Called by the embedded server when it starts the job consumer in its own process: from
    now on a wake runs the drain on this process's drainer thread (``_Drainer``)."""
    global _drains_here
    _drains_here = True
    _drainer.start()


def stop_drains() -> None:
    """The embedded server stops: the drainer finishes the drain it is in and exits."""
    _drainer.stop()


def _coalescing() -> bool:
    return bool(settings.REDIS_URL) or _drains_here or bool(settings.HUEY.get("immediate"))


def _wake_flag(job: str) -> str:
    return f"mc:outbox:wake:{job}"


def wake(job: str) -> None:
    """Make sure a drain of ``job`` runs after this moment (called after the commit)."""
    if _drainer.running:
        _drainer.wake(job)
        return
    # Not raised by us: a drain is queued and has not started yet; it will read this row.
    if not _coalescing() or cache.add(_wake_flag(job), 1, timeout=WAKE_FLAG_SECONDS):
        enqueue(job)


class _Drainer:
    """The embedded server's own drain thread. A wake only marks the job and sets an event; the
    thread runs the job's drain (its task, called locally) once per gathered burst.

    Why not a queued job per wake: at 100 messages a second a drain finished before the next
    message committed, so nearly every wake raised the flag again and paid Huey's enqueue (an
    exclusive transaction on ``jobs.sqlite3``: a fifth of the server's CPU, measured). Here a
    wake costs a set insertion. Rows a crash leaves behind are the sweep's, as before."""

    # A wake waits this long for more: one drain then serves the writes of the whole moment.
    GATHER_SECONDS = 0.02

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._woken = threading.Event()
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="outbox-drainer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        thread = self._thread
        self._stopping.set()
        self._woken.set()
        if thread is not None:
            thread.join(timeout)

    def wake(self, job: str) -> None:
        with self._lock:
            self._pending.add(job)
        self._woken.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._woken.wait()
            self._stopping.wait(self.GATHER_SECONDS)  # cut short when the server stops
            self._woken.clear()  # before taking the jobs: a later wake sets it again
            self._drain_pending()
        self._drain_pending()

    def _drain_pending(self) -> None:
        with self._lock:
            jobs, self._pending = self._pending, set()
        for job in sorted(jobs):
            self._drain(job)

    @staticmethod
    def _drain(job: str) -> None:
        try:
            resolve(job).call_local()  # the job without an event pk drains
        except Exception:  # the thread must live on; the rows stay for the sweep
            log.exception("outbox drain of %s failed", job)


_drainer = _Drainer()


def drain(job: str, handler: Callable[[dict[str, Any]], Any]) -> int:
    """Consume, oldest first, every event of ``job`` that no worker has tried yet; the number
    handled. Events that failed are the sweep's (retried once a minute, not in a hot loop),
    and a row another drain claimed meanwhile is skipped by ``consume``.

    One drain of a job at a time per process: a drain woken while another runs leaves the
    backlog to it (it looks once more before it stops). Two drains would each try to claim
    every row, and on SQLite every claim attempt, won or lost, takes the write lock the
    message writes wait for (measured: sustained rate 145 → 93 msg/s)."""
    if _coalescing():
        cache.delete(_wake_flag(job))
    with _drain_guard:
        if job in _draining:
            _drain_again.add(job)
            return 0
        _draining.add(job)
    handled = 0
    try:
        while True:
            count, full = _drain_batch(job, handler)
            handled += count
            if full:
                continue
            with _drain_guard:
                if job in _drain_again:  # woken meanwhile: its rows may be after our read
                    _drain_again.discard(job)
                    continue
                _draining.discard(job)
                return handled
    except BaseException:
        with _drain_guard:
            _draining.discard(job)
            _drain_again.discard(job)
        raise


_drain_guard = threading.Lock()
_draining: set[str] = set()
_drain_again: set[str] = set()


def _drain_batch(job: str, handler: Callable[[dict[str, Any]], Any]) -> tuple[int, bool]:
    """One batch: (events handled, whether the batch was full, i.e. more may wait)."""
    # Every row of a batch leaves the untried set (a claim counts an attempt, whether it then
    # succeeds, fails or was another drain's), so repeated batches end when the backlog does.
    batch = list(
        OutboxEvent.objects.filter(
            job=job, attempts=0, processed_at__isnull=True, failed_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:DRAIN_BATCH]
    )
    handled, rest = 0, batch
    while rest:
        count, reached = _consume_together(rest, handler)
        handled += count
        rest = rest[reached:]
    return handled, len(batch) == DRAIN_BATCH


# Events consumed in one transaction: one claim and one mark for all of them. Per event, the
# begin, claim, mark and commit cost more than most handlers (measured: the drainer was 38% of
# the embedded server's CPU at 100 msg/s). The budget bounds how long the transaction holds
# SQLite's one write lock, which every message write waits for.
TOGETHER = 50
TOGETHER_SECONDS = 0.005


def _consume_together(pks: list[int], handler: Callable[[dict[str, Any]], Any]) -> tuple[int, int]:
    """Claim the events ``pks`` (oldest first) and run ``handler`` on each, in one transaction,
    until ``TOGETHER_SECONDS`` have passed: (events handled, how many of ``pks`` were dealt with).

    Each handler runs in its own savepoint, so a failing one takes only its own writes with it;
    its row is then counted as failed in the same transaction (``_failed``). Rows another
    worker holds or finished are passed over."""
    head = pks[:TOGETHER]
    now = clock.now()
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    started = time.monotonic()
    done: list[int] = []
    reached = len(head)
    with transaction.atomic():
        events = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk__in=head, processed_at__isnull=True, failed_at__isnull=True)
            .order_by("pk")
        )
        for event in events:
            if done and time.monotonic() - started > TOGETHER_SECONDS:
                reached = head.index(event.pk)  # the rest go in the next transaction
                break
            try:
                with transaction.atomic():
                    handler(event.payload)
            except Exception as error:
                log.exception("outbox event %s (%s → %s) failed", event.pk, event.topic, event.job)
                _failed(event, error)
            else:
                done.append(event.pk)
        if done:
            OutboxEvent.objects.filter(pk__in=done).update(
                processed_at=clock.now(), claimed_until=None, attempts=F("attempts") + 1
            )
    return len(done), reached


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def consume(event_pk: int, handler: Callable[[dict[str, Any]], Any]) -> bool:
    """Claim the event, run ``handler(payload)``, mark it processed — one transaction. False
    when another worker holds it, it is done, or the handler failed (then the sweep offers it
    again).

    The claim is the row lock (PostgreSQL: ``SKIP LOCKED``, so a second worker passes over it;
    SQLite: the one write transaction). The handler's writes and the mark commit together: one
    commit per event, and a crash leaves the event untouched for the sweep, never work done
    but unmarked (the handler stays idempotent for what it does outside the database). A
    handler must not wait on the network in here."""
    now = clock.now()
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    event: OutboxEvent | None = None
    try:
        with transaction.atomic():
            event = (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(claimable, pk=event_pk, processed_at__isnull=True, failed_at__isnull=True)
                .first()
            )
            if event is None:
                return False
            handler(event.payload)
            OutboxEvent.objects.filter(pk=event_pk).update(
                processed_at=clock.now(), claimed_until=None, attempts=F("attempts") + 1
            )
    except Exception as error:  # the row must end in a state the sweep can act on
        if event is None:
            raise  # the claim itself failed: nothing was tried
        log.exception("outbox event %s (%s → %s) failed", event.pk, event.topic, event.job)
        _failed(event, error)
        return False
    return True


def _failed(event: OutboxEvent, error: Exception) -> None:
    """Count the attempt the rolled-back transaction took with it; free the row for the sweep,
    or give up after ``MAX_ATTEMPTS``."""
    attempts = event.attempts + 1
    changes: dict[str, Any] = {"last_error": type(error).__name__[:200], "attempts": attempts}
    if attempts >= MAX_ATTEMPTS:
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
