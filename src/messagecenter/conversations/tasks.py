"""Periodic jobs enforcing the time-based rules. Thin: each calls one service function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from messagecenter.conversations import presence


@db_periodic_task(crontab(minute="*"))
def end_inactive_live():
    presence.prune_stale_connections()
    presence.expire_inactive_live()
    presence.expire_presence()


@db_periodic_task(crontab(minute="*/10"))
def auto_end_waiting():
    presence.auto_end_waiting()
