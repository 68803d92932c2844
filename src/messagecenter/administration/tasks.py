"""Jobs of the administration app (resolved by name, see jobs/names.py)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.administration import retention, security
from messagecenter.jobs.names import job


@job(security.RESET_MAIL_JOB)
@db_task(retries=2, retry_delay=60)
def mail_2fa_reset(operator_pk: int, admin_id: str) -> None:
    security.send_reset_mail(operator_pk, admin_id)


@db_periodic_task(crontab(minute="40", hour="2"))
def run_retention() -> None:
    """Every night: each widget with a retention policy gets a run (and its receipt)."""
    retention.run_all_due()
