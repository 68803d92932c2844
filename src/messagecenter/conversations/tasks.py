"""Periodic jobs enforcing the time-based rules. Thin: each calls one service function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.conversations import presence, transcripts, unread


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
