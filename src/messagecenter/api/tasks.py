"""Periodic clean-up of stored Idempotency-Key results (expired ones are already ignored)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from messagecenter.api.idempotency import purge_expired


@db_periodic_task(crontab(minute="17"))
def purge_idempotency_records():
    purge_expired()
