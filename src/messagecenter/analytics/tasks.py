from huey.contrib.djhuey import db_task

from messagecenter.analytics import services
from messagecenter.analytics.events import JOB
from messagecenter.jobs import outbox
from messagecenter.jobs.names import job


@job(JOB)
@db_task(retries=0)
def record(event_pk: int | None = None) -> None:
    """Woken after a write: drain the new events. Given an event (by the sweep): that one.
    No Huey retries: an event that failed stays in the outbox, and its sweep retries it."""
    if event_pk is None:
        outbox.drain(JOB, services.record_from_event)
    else:
        outbox.consume(event_pk, services.record_from_event)
