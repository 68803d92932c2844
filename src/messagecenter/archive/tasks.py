"""Background jobs of the archive. Thin: each calls one function."""

from huey.contrib.djhuey import db_task

from messagecenter.archive import jobs


@db_task(retries=0)
def run_bulk_job(job_pk: int) -> None:
    # No retries: a job that failed halfway reports what it did; running the rest again is
    # the person's decision (the services are safe to repeat, the summary would not be).
    jobs.run(job_pk)
