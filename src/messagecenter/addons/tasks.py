"""Add-on jobs. Thin: each calls one function of ``addons.runs``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.addons import runs
from messagecenter.jobs.names import job


@job(runs.RUN_JOB)
@db_task(retries=0)
def run_addon(run_pk: int) -> None:
    # No Huey retries: a run is sent at most once by itself (the add-on may act on it).
    runs.execute(run_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_addon_runs() -> None:
    runs.sweep()


@db_periodic_task(crontab(minute="23", hour="3"))
def prune_addon_runs() -> None:
    runs.prune()
