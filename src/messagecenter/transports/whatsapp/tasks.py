"""The WhatsApp channel's jobs. Thin: each calls one function of ``inbound``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs.names import job
from messagecenter.transports.whatsapp import inbound


@job(inbound.JOB)
@db_task(retries=0)
def process_delivery(delivery_pk: int):
    # No Huey retries: the row counts attempts and the sweep enqueues it again.
    inbound.process(delivery_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries():
    inbound.sweep()


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_deliveries():
    inbound.prune()
