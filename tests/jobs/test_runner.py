"""The resumable-job runner: claims, leases, heartbeats, checkpoints, resume and give-up,
with a controllable clock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from django.db import transaction

from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job, JobState

pytestmark = pytest.mark.django_db

LEASE = 60  # MC_JOB_LEASE_SECONDS' default
given_up: list[int] = []


class WorkerDied(BaseException):
    """Stands for the process being killed: nothing after it runs, nothing catches it."""


def count_contacts(lease: runner.Lease) -> None:
    """The test kind: creates contacts "item 0" … "item n-1", two per batch; dies before
    committing the batch that would reach ``die_at`` on its first attempt."""
    payload = lease.job.payload
    for first in range(lease.checkpoint.get("next", 0), payload["n"], 2):
        with transaction.atomic():
            numbers = range(first, min(first + 2, payload["n"]))
            for number in numbers:
                create_contact(lease.job.account, name=f"item {number}")
            if numbers[-1] + 1 == payload.get("die_at") and lease.job.attempts == 1:
                raise WorkerDied
            lease.save({"next": first + 2}, done=numbers[-1] + 1, total=payload["n"])


def broken(lease: runner.Lease) -> None:
    raise RuntimeError("always fails")


runner.register(runner.Kind("test.count", count_contacts, lambda job: given_up.append(job.pk)))
runner.register(runner.Kind("test.broken", broken, lambda job: given_up.append(job.pk)))


@pytest.fixture(autouse=True)
def _fresh():
    given_up.clear()


def new_job(account, kind="test.count", **payload) -> Job:
    return runner.submit(kind, payload, account=account)


def names(account) -> list[str]:
    return sorted(Contact.objects.filter(account=account).values_list("name", flat=True))


def test_only_one_worker_claims_a_job(account):
    job = new_job(account, n=2)
    assert runner.claim(job.pk, "host:1:a") is not None
    assert runner.claim(job.pk, "host:2:b") is None


def test_a_job_runs_to_the_end_and_records_progress(account):
    job = runner.run(new_job(account, n=5).pk)
    assert (job.state, job.attempts, job.progress_done, job.progress_total) == ("done", 1, 5, 5)
    assert runner.run(job.pk) is None  # done: nobody claims it again
    assert len(names(account)) == 5


def test_job_of_a_dead_worker_is_resumed_from_its_checkpoint_once_its_lease_expires(account, clock):
    """GIVEN a worker that died in the third batch WHEN its lease has not expired yet THEN
    the sweep leaves the job alone; once it has, another worker resumes it from the
    checkpoint: every item exactly once."""
    job = new_job(account, n=9, die_at=6)
    with pytest.raises(WorkerDied):
        runner.run(job.pk, owner="elsewhere:1:a")
    job.refresh_from_db()
    assert (job.state, job.checkpoint, job.progress_done) == ("running", {"next": 4}, 4)
    assert len(names(account)) == 4  # the third batch rolled back with the "crash"

    clock.shift(LEASE - 1)
    assert runner.resume_stale() == []
    clock.shift(2)
    assert runner.resume_stale() == [job.pk]

    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress_done) == ("done", 2, 9)
    assert names(account) == sorted(f"item {n}" for n in range(9))


def test_heartbeats_keep_a_slow_job_from_being_taken_over(account, clock):
    lease = runner.claim(new_job(account, n=2).pk, "elsewhere:1:a")
    for _ in range(3):
        clock.shift(LEASE * 2 / 3)
        lease.beat()
    assert runner.stale_jobs() == []
    assert runner.claim(lease.job.pk, "elsewhere:2:b") is None
    clock.shift(LEASE + 1)
    assert [j.pk for j in runner.stale_jobs()] == [lease.job.pk]


def test_a_worker_that_lost_its_lease_rolls_its_batch_back(account, clock):
    """GIVEN a worker that stalled past its lease and a second one that took the job over
    WHEN the first tries to save its checkpoint THEN its batch is rolled back."""
    job = new_job(account, n=2)
    stalled = runner.claim(job.pk, "elsewhere:1:a")
    clock.shift(LEASE + 1)
    assert runner.claim(job.pk, "elsewhere:2:b") is not None

    with pytest.raises(runner.LeaseLost), transaction.atomic():
        create_contact(account, name="written twice?")
        stalled.save({"next": 2})

    assert names(account) == []


def test_a_failing_job_is_retried_by_the_sweep_then_given_up(account, clock):
    job = new_job(account, kind="test.broken")
    assert runner.run(job.pk) is None
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error) == ("running", 1, "RuntimeError")
    for _ in range(2):
        clock.shift(1)
        runner.resume_stale()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 3)
    assert given_up == [job.pk]
    clock.shift(LEASE * 2)
    assert runner.resume_stale() == []


def test_a_job_whose_worker_died_on_every_attempt_is_given_up(account, clock):
    job = new_job(account, n=2)
    Job.objects.filter(pk=job.pk).update(attempts=3)  # three workers died holding it
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, lease_owner="elsewhere:1:a", lease_expires_at=job.created_at
    )
    clock.shift(1)
    assert runner.resume_stale() == []
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert given_up == [job.pk]


def test_a_waiting_job_whose_task_was_lost_is_started_by_the_sweep(account, clock):
    job = new_job(account, n=2)  # its task is never run (no commit in this test)
    assert runner.resume_stale() == []
    clock.shift(LEASE + 1)
    assert runner.resume_stale() == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_a_job_held_by_a_dead_process_of_this_machine_is_resumed_at_once(account):
    """No need to wait for the lease when the owner's process is known to be gone (a
    restarted server finds its own jobs at start-up)."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}:x"
    restarted = f"{socket.gethostname()}:{os.getpid()}:an-earlier-process"
    alive = f"{socket.gethostname()}:{os.getpid()}:{runner.PROCESS_TOKEN}"
    jobs = [new_job(account, n=1) for _ in range(3)]
    for job, owner in zip(jobs, (dead, restarted, alive), strict=True):
        runner.claim(job.pk, owner)

    assert runner.resume_stale() == [jobs[0].pk, jobs[1].pk]
    assert [j.state for j in Job.objects.order_by("pk")] == ["done", "done", "running"]
