"""Durable e-mail jobs of the contacts domain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.contacts import mail


@db_task(retries=3, retry_delay=30)
def send_verification_email(record_pk: int, code: str) -> None:
    mail.send_verification_code(record_pk, code)


@db_periodic_task(crontab(minute="41"))
def prune_visitors() -> None:
    """Hourly: forget messenger visitors that never wrote (MC_VISITOR_RETENTION_DAYS)."""
    from messagecenter.contacts.services import prune_visitors as prune

    prune()
