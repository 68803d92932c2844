"""Background jobs of the job runner. Thin: each calls one runner function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs import outbox, runner


@db_task(retries=0)
def run_job(job_pk: int) -> None:
    # No Huey retries: a failed attempt leaves the job to the sweep below, which resumes it
    # from its checkpoint or gives it up after its attempts.
    runner.run(job_pk)


@db_periodic_task(crontab(minute="*"))
def resume_stale_jobs() -> None:
    runner.resume_stale()


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    outbox.sweep()
