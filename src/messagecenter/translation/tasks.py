"""Translation jobs. Thin: each calls one function of ``translation.inbound``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs import outbox
from messagecenter.jobs.names import job
from messagecenter.translation import inbound, services


@job(inbound.JOB)
@db_task(retries=0)
def record(event_pk: int | None = None) -> None:
    """Woken after a write: drain the new contact messages into pending translations. Given
    an event (by the outbox sweep): that one. No Huey retries: the sweep retries."""
    if event_pk is None:
        outbox.drain(inbound.JOB, inbound.record)
    else:
        outbox.consume(event_pk, inbound.record)


@job(inbound.TRANSLATE_JOB)
@db_task(retries=0)
def translate_message(message_pk: int) -> None:
    # Retries are scheduled by ``inbound`` itself, with the backoff the provider asked for.
    inbound.translate_message(message_pk)


@db_periodic_task(crontab(minute="41", hour="3"))
def prune_translation_cache() -> None:
    services.prune_cache()
