"""Webhook jobs. Thin: each calls one function of ``webhooks.delivery`` or ``webhooks.mail``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs import outbox
from messagecenter.jobs.names import job
from messagecenter.webhooks import delivery, mail
from messagecenter.webhooks.events import DELIVER_JOB, JOB


@job(JOB)
@db_task(retries=0)
def fanout(event_pk: int | None = None) -> None:
    """Woken after a write: drain the new outbox events into delivery rows. Given an event
    (by the outbox sweep): that one. No Huey retries: the outbox sweep retries."""
    if event_pk is None:
        outbox.drain(JOB, delivery.fan_out)
    else:
        outbox.consume(event_pk, delivery.fan_out)


@job(DELIVER_JOB)
@db_task(retries=0)
def deliver(delivery_pk: int) -> None:
    # No Huey retries: the delivery row holds the schedule, and the sweep below finds it.
    delivery.attempt(delivery_pk)


@job(delivery.MAIL_JOB)
@db_task(retries=2, retry_delay=60)
def mail_disabled(endpoint_pk: int) -> None:
    mail.send_disabled(endpoint_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_webhook_deliveries() -> None:
    delivery.sweep()


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_webhook_log() -> None:
    delivery.prune()
