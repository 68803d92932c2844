"""The call timers: thin, each calls one service function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.calls import services
from messagecenter.jobs.names import job


@job(services.EXPIRE_JOB)
@db_task(retries=2, retry_delay=5)
def expire_call(call_pk: int):
    services.expire_offer(call_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_calls():
    # After a restart the delayed expiries may be gone with the queue; this catches them.
    services.expire_offers()
    services.end_abandoned()
