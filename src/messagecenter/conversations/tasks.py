"""Periodic jobs enforcing the time-based rules. Thin: each calls one service function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.conversations import delivery, presence, revisions, transcripts, unread
from messagecenter.jobs.names import job


@db_periodic_task(crontab(minute="*"))
def end_inactive_live():
    presence.prune_stale_connections()
    presence.expire_inactive_live()
    presence.expire_presence()


@db_periodic_task(crontab(minute="*/10"))
def auto_end_waiting():
    presence.auto_end_waiting()


@db_task(retries=3, retry_delay=60)
def send_transcripts(conversation_pk: int):
    transcripts.send_pending(conversation_pk)


@db_periodic_task(crontab(minute="*"))
def email_unread_replies():
    unread.email_unread_replies()


@job(delivery.JOB)
@db_task(retries=0)
def deliver_outbound(delivery_pk: int):
    # No Huey retries: the delivery row counts attempts and schedules its own backoff.
    delivery.deliver(delivery_pk)


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries():
    delivery.sweep()


@job(revisions.JOB)
@db_task(retries=0)
def delete_at_provider(message_pk: int, attempt: int = 1):
    # No Huey retries: the job schedules its own (a few, then the failure is shown).
    revisions.delete_at_provider(message_pk, attempt)
