"""The Telegram channel's jobs. Thin: each calls one function of ``inbound``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs.names import job
from messagecenter.transports.telegram import inbound


@job(inbound.JOB)
@db_task(retries=0)
def process_update(update_pk: int):
    # No Huey retries: the update row counts attempts and the sweep enqueues it again.
    inbound.process(update_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_updates():
    inbound.sweep()
