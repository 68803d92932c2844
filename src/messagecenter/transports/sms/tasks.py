"""The SMS channel's jobs. Thin: each calls one function of ``inbound``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs.names import job
from messagecenter.transports.sms import inbound


@job(inbound.JOB)
@db_task(retries=0)
def process_event(event_pk: int):
    # No Huey retries: the event row counts attempts and the sweep enqueues it again.
    inbound.process(event_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_events():
    inbound.sweep()
