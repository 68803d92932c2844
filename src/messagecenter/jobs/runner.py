"""Resumable jobs: claim with compare-and-set, heartbeat, checkpoint with each batch, resume.

A job row (``Job``) is created in the caller's transaction (``submit``) and run after commit
by name (``jobs.run_job``). ``run`` claims it with one conditional UPDATE, so of two workers
(a retried task, a duplicate from the sweep) exactly one gets it. The worker holds a lease;
its kind's work renews it (``Lease.beat``) and stores the checkpoint in the same transaction
as each batch of work (``Lease.save``). Both are compare-and-set on the owner: a worker that
lost its lease (it stalled, another took over) gets ``LeaseLost`` and its batch rolls back.

When a worker dies (``kill -9``, a crash, a deploy) its lease runs out; ``resume_stale``
(at start-up and every minute) hands such jobs to a worker again, which continues from the
checkpoint, or after ``max_attempts`` gives the job up: the kind's ``give_up`` marks the
domain row failed, keeping what was done (and its undo).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from messagecenter.core import clock
from messagecenter.jobs.models import Job, JobState

log = logging.getLogger(__name__)

# Tells this process from an earlier one that had the same pid (pid 1 in a container).
PROCESS_TOKEN = uuid.uuid4().hex[:12]


class LeaseLost(Exception):
    """Another worker holds the job now: stop, and let this batch roll back."""


@dataclass(frozen=True)
class Kind:
    """What a kind of job does (``work``) and how its domain row ends when given up."""

    name: str
    work: Callable[[Lease], None]
    give_up: Callable[[Job], None]
    max_attempts: int = 3


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{PROCESS_TOKEN}"


# --- submitting ------------------------------------------------------------------------------


def submit(kind: str, payload: dict, *, account=None, total: int = 0) -> Job:
    """Record a job in the caller's transaction; it starts after commit."""
    job = Job.objects.create(
        account=account,
        kind=kind,
        payload=payload,
        progress_total=total,
        max_attempts=KINDS[kind].max_attempts,
        created_at=clock.now(),
    )
    pk = job.pk
    transaction.on_commit(lambda: enqueue(pk))
    return job


def enqueue(job_pk: int) -> None:
    from messagecenter.jobs.tasks import run_job

    run_job(job_pk)


# --- running ---------------------------------------------------------------------------------


@dataclass
class Lease:
    """A worker's hold on a running job; the kind's work reports through it."""

    job: Job
    owner: str
    renewed_at: datetime

    @property
    def checkpoint(self) -> dict:
        return self.job.checkpoint

    def save(self, checkpoint: dict, *, done: int | None = None, total: int | None = None) -> None:
        """Store how far the work got. Call it inside the transaction of the batch it
        follows, so the batch and its checkpoint commit together or not at all."""
        now = clock.now()
        changes: dict = {"checkpoint": checkpoint, **self._renewal(now)}
        if done is not None:
            changes["progress_done"] = done
        if total is not None:
            changes["progress_total"] = total
        self._update(changes)
        self.job.checkpoint = checkpoint

    def beat(self) -> None:
        """Renew the lease while working; writes at most every third of the lease."""
        now = clock.now()
        if now - self.renewed_at >= lease_duration() / 3:
            self._update(self._renewal(now))

    def _renewal(self, now: datetime) -> dict:
        self.renewed_at = now
        return {"heartbeat_at": now, "lease_expires_at": now + lease_duration()}

    def _update(self, changes: dict) -> None:
        mine = Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING, lease_owner=self.owner)
        if not mine.update(**changes):
            raise LeaseLost(f"job {self.job.pk} is no longer held by {self.owner}")


def claim(job_pk: int, owner: str) -> Lease | None:
    """Take a waiting job, or a running one whose lease ran out, with one conditional
    UPDATE: of several workers trying at once, one wins."""
    now = clock.now()
    claimable = Q(state=JobState.PENDING) | Q(state=JobState.RUNNING, lease_expires_at__lt=now)
    won = Job.objects.filter(claimable, pk=job_pk, attempts__lt=F("max_attempts")).update(
        state=JobState.RUNNING,
        lease_owner=owner,
        lease_expires_at=now + lease_duration(),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
    )
    if not won:
        return None
    return Lease(Job.objects.get(pk=job_pk), owner, now)


def run(job_pk: int, *, owner: str | None = None) -> Job | None:
    """Claim the job and do its work from its checkpoint; None when another worker has it
    (or it is finished)."""
    lease = claim(job_pk, owner or worker_id())
    if lease is None:
        return None
    kind = KINDS[lease.job.kind]
    try:
        kind.work(lease)
    except LeaseLost:
        log.warning("job %s was taken over by another worker", job_pk)
        return None
    except Exception as error:  # the job must end in a state the sweep can act on
        log.exception("job %s (%s) failed, attempt %s", job_pk, kind.name, lease.job.attempts)
        return _after_error(lease, kind, error)
    return _end(lease, JobState.DONE)


def _end(lease: Lease, state: str, error: str = "") -> Job | None:
    now = clock.now()
    changes = {"state": state, "error": error, "finished_at": now, "lease_expires_at": None}
    try:
        lease._update(changes)
    except LeaseLost:
        return None
    lease.job.refresh_from_db()
    return lease.job


def _after_error(lease: Lease, kind: Kind, error: Exception) -> Job | None:
    """Give up after the last attempt; otherwise let the lease lapse now, so the next sweep
    resumes the job from its checkpoint (a minute's pause is the back-off)."""
    if lease.job.attempts >= lease.job.max_attempts:
        with transaction.atomic():
            job = _end(lease, JobState.FAILED, type(error).__name__)
            if job is not None:
                kind.give_up(job)
        return job
    try:
        lease._update({"lease_expires_at": clock.now(), "error": type(error).__name__})
    except LeaseLost:
        return None
    return None


# --- resuming --------------------------------------------------------------------------------


def resume_stale() -> list[int]:
    """Every job whose worker is gone goes back to work from its checkpoint, or is given up
    after its attempts. Runs at start-up and every minute; safe to run anywhere and often,
    because the claim decides who works."""
    resumed = []
    for job in stale_jobs():
        if job.state == JobState.RUNNING and job.attempts >= job.max_attempts:
            give_up(job)
        else:
            enqueue(job.pk)
            resumed.append(job.pk)
    return resumed


def stale_jobs() -> list[Job]:
    """Running jobs whose lease ran out or whose worker process is gone, and waiting jobs
    older than a lease (their queued task was lost with a worker)."""
    now = clock.now()
    expired = Q(state=JobState.RUNNING, lease_expires_at__lt=now)
    lost = Q(state=JobState.PENDING, created_at__lt=now - lease_duration())
    jobs = list(Job.objects.filter(expired | lost).order_by("pk"))
    return jobs + _orphaned_here(Job.objects.filter(state=JobState.RUNNING).exclude(expired))


def _orphaned_here(running: QuerySet) -> list[Job]:
    """Running jobs held by a process of this machine that no longer exists: no need to
    wait for their lease. The lease is ended with a compare-and-set on the dead owner."""
    orphaned = []
    for job in running.filter(lease_owner__startswith=f"{socket.gethostname()}:"):
        if _process_gone(job.lease_owner):
            ended = Job.objects.filter(pk=job.pk, lease_owner=job.lease_owner, state=job.state)
            if ended.update(lease_expires_at=clock.now() - timedelta(microseconds=1)):
                orphaned.append(job)
    return orphaned


def _process_gone(owner: str) -> bool:
    try:
        _host, pid_text, token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return token != PROCESS_TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def give_up(job: Job) -> None:
    """Mark a job failed for good; its kind ends the domain row (keeping its undo)."""
    with transaction.atomic():
        ended = Job.objects.filter(pk=job.pk, state__in=[JobState.PENDING, JobState.RUNNING])
        if not ended.update(state=JobState.FAILED, finished_at=clock.now(), lease_expires_at=None):
            return
        job.refresh_from_db()
        log.error("job %s (%s) given up after %s attempts", job.pk, job.kind, job.attempts)
        KINDS[job.kind].give_up(job)
