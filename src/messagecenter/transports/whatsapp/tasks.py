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


SYNC_JOB = "transports.whatsapp_sync_templates"


@job(SYNC_JOB)
@db_task(retries=0)
def sync_templates(connection_pk: int):
    # A failure is recorded on the channel (its settings page shows it); the next sync or
    # the button tries again.
    from messagecenter.transports.whatsapp import templates

    templates.sync_by_pk(connection_pk)


@db_periodic_task(crontab(minute="23", hour="*/6"))
def sync_all_templates():
    # Meta changes a template's state on its own (review, pause, quality): every 6 hours.
    from messagecenter.transports.whatsapp import templates

    templates.sync_all()


@db_periodic_task(crontab(minute="*"))
def send_reminders():
    from messagecenter.transports.whatsapp import reminders

    reminders.send_due()
