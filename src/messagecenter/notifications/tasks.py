from huey.contrib.djhuey import db_task

from messagecenter.jobs import outbox
from messagecenter.jobs.names import job
from messagecenter.notifications import services
from messagecenter.notifications.events import JOB


@job(JOB)
@db_task(retries=0)
def notify(event_pk: int | None = None) -> None:
    """Woken after a write: drain the new events. Given an event (by the sweep): that one.
    No Huey retries: an event that failed stays in the outbox, and its sweep retries it."""
    if event_pk is None:
        outbox.drain(JOB, services.notify_from_event)
    else:
        outbox.consume(event_pk, services.notify_from_event)
