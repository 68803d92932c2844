"""The e-mail channel's jobs. Thin: each calls one function of ``mailbox``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.jobs.names import enqueue, job
from messagecenter.transports.email import mailbox
from messagecenter.widgets.models import ChannelConnection


@job(mailbox.JOB)
@db_task(retries=0)
def sync_connection(connection_pk: int):
    # No Huey retries: the next minute's sync resumes from the stored cursor.
    connection = ChannelConnection.objects.filter(pk=connection_pk, is_active=True).first()
    if connection is not None:
        mailbox.sync_connection(connection)


@db_periodic_task(crontab(minute="*"))
def sync_mailboxes():
    """The polling fallback: once a minute, every IMAP connection no watcher holds."""
    for pk in mailbox.unwatched_connections().values_list("pk", flat=True):
        enqueue(mailbox.JOB, pk)
