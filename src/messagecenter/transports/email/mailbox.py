"""The IMAP side of the e-mail channel: read each connection's folder into conversations.

- ``sync_connection(connection)``: read every mail after the stored cursor once (the
  ``transports.email_sync`` job; every minute for every IMAP connection, the polling fallback).
- ``Watcher``: one background thread per active IMAP connection running ``imap.watch`` (IDLE,
  so a mail reaches the operator within seconds); started by ``serve`` beside the embedded job
  consumer and by ``messagecenter watch-mail`` in scale-out. A connection deactivated or
  removed stops its thread at the next look (``WATCH_REFRESH_SECONDS``).

Each mail is ingested (``inbound.ingest``) and the cursor (UIDVALIDITY, last UID) written on
the connection's ``Mailbox`` row **in the same transaction**, under a lock of that row: a crash
re-reads at most the mail it was on (and ingest drops it as a duplicate), and a watcher and a
sync running at once never store a mail twice or move the cursor back. How the last read went
(status, error, time) is kept on the row for Settings › Channels; errors are
``imap.MailboxError`` messages, which name host, user and folder but never a password.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db import connection as db_connection

from messagecenter.core import clock
from messagecenter.core.errors import ValidationFailed
from messagecenter.transports.email import imap
from messagecenter.transports.email.config import EmailConfig
from messagecenter.transports.email.inbound import ingest
from messagecenter.transports.email.models import Mailbox, MailboxStatus
from messagecenter.widgets.models import ChannelConnection

log = logging.getLogger(__name__)

JOB = "transports.email_sync"
WATCH_REFRESH_SECONDS = 10.0  # how often the watcher looks for new and stopped connections


MAX_MAIL_FAILURES = 3  # tries of one mail before it is skipped (see _give_up_on)
WATCH_HOLD_SECONDS = 60.0  # a watcher's hold on its mailboxes, renewed every refresh


def imap_connections():
    """Active e-mail connections that read their mail by IMAP."""
    return (
        ChannelConnection.objects.filter(kind="email", is_active=True, config__inbound="imap")
        .select_related("account", "widget")
        .order_by("pk")
    )


def unwatched_connections():
    """The IMAP connections no running watcher holds: the minute's sync reads these."""
    held = Mailbox.objects.filter(watched_until__gt=clock.now()).values("connection_id")
    return imap_connections().exclude(pk__in=held)


def mailbox_of(connection) -> Mailbox:
    return Mailbox.objects.get_or_create(connection=connection)[0]


def cursor_of(mailbox: Mailbox) -> imap.MailboxCursor:
    return imap.MailboxCursor(uidvalidity=mailbox.uidvalidity, last_uid=mailbox.last_uid)


def sync_connection(connection) -> int:
    """Read the connection's new mail once; returns how many mails were read. A mailbox that
    cannot be read records why on its ``Mailbox`` row (and the job ends: the next minute
    tries again)."""
    settings = _settings(connection)
    if settings is None:
        return 0
    reader = _Reader(connection)
    try:
        cursor = imap.sync(settings, cursor_of(mailbox_of(connection)), reader.on_mail)
    except imap.MailboxError as error:
        record_error(connection, error.message)
        return reader.count
    _store_cursor(connection, cursor)
    record_ok(connection)
    return reader.count


def _settings(connection) -> imap.ImapSettings | None:
    try:
        config = EmailConfig.of(connection)
    except ValidationFailed as error:
        record_error(connection, str(error.message))
        return None
    return config.imap


class _Reader:
    """``on_mail`` for ``imap.sync``/``watch``: ingest and move the cursor in one transaction."""

    def __init__(self, connection, on_ingested=None):
        self.connection = connection
        self.count = 0
        self.on_ingested = on_ingested

    def on_mail(self, fetched: imap.FetchedMail) -> None:
        try:
            with transaction.atomic():
                mailbox = Mailbox.objects.select_for_update().get(connection=self.connection)
                if _already_read(mailbox, fetched.cursor):
                    return  # a concurrent reader (the watcher, the minute's sync) stored it
                result = ingest(self.connection, fetched.raw)
                _move(mailbox, fetched.cursor)
        except (OperationalError, InterfaceError):
            raise  # the database is away or busy: never a reason to skip a mail
        except Exception:
            if not _give_up_on(self.connection, fetched):
                raise  # the mail and the later ones come again next time
            return
        self.count += 1
        if self.on_ingested is not None:
            self.on_ingested(result)


def _move(mailbox: Mailbox, cursor: imap.MailboxCursor) -> None:
    mailbox.uidvalidity, mailbox.last_uid = cursor.uidvalidity, cursor.last_uid
    mailbox.failing_uid, mailbox.failures = None, 0
    mailbox.save(update_fields=["uidvalidity", "last_uid", "failing_uid", "failures"])


def _give_up_on(connection, fetched: imap.FetchedMail) -> bool:
    """One mail that keeps failing (a bug meeting a strange mail) must not stop the mailbox:
    after ``MAX_MAIL_FAILURES`` tries in a row it is skipped, with a trace in the log and the
    reason on the mailbox row. Any other failure (the database away) is retried."""
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(connection=connection)
        same = mailbox.failing_uid == fetched.uid
        mailbox.failing_uid, mailbox.failures = fetched.uid, (mailbox.failures + 1 if same else 1)
        if mailbox.failures < MAX_MAIL_FAILURES:
            mailbox.save(update_fields=["failing_uid", "failures"])
            return False
        log.exception(
            "e-mail connection %s: mail UID %s failed %d times; skipped",
            connection.public_id,
            fetched.uid,
            mailbox.failures,
        )
        _move(mailbox, fetched.cursor)
        message = f"A mail (UID {fetched.uid}) could not be stored and was skipped."
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=message, last_error_at=clock.now())
    return True


def _already_read(mailbox: Mailbox, cursor: imap.MailboxCursor) -> bool:
    return mailbox.uidvalidity == cursor.uidvalidity and mailbox.last_uid >= cursor.last_uid


def _store_cursor(connection, cursor: imap.MailboxCursor) -> None:
    """After a run: a changed UIDVALIDITY with no new mail, or expunged UIDs at the end."""
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_of(connection).pk)
        if mailbox.uidvalidity == cursor.uidvalidity and mailbox.last_uid >= cursor.last_uid:
            return
        mailbox.uidvalidity, mailbox.last_uid = cursor.uidvalidity, cursor.last_uid
        mailbox.save(update_fields=["uidvalidity", "last_uid"])


def record_error(connection, message: str) -> None:
    log.warning("e-mail connection %s: %s", connection.public_id, message)
    mailbox = mailbox_of(connection)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        status=MailboxStatus.ERROR, last_error=message[:500], last_error_at=clock.now()
    )


def record_ok(connection) -> None:
    mailbox = mailbox_of(connection)
    Mailbox.objects.filter(pk=mailbox.pk).update(status=MailboxStatus.OK, last_sync_at=clock.now())


def record_stopped(connection) -> None:
    Mailbox.objects.filter(connection=connection).update(status=MailboxStatus.STOPPED)


# --- the watcher -------------------------------------------------------------------------------


class _Watch:
    """One connection's IDLE loop in its own thread."""

    def __init__(self, connection, on_ingested=None):
        self.connection = connection
        self.stop_event = threading.Event()
        self.on_ingested = on_ingested
        self.thread = threading.Thread(
            target=self._run, name=f"mail-watch-{connection.public_id}", daemon=True
        )

    def _run(self) -> None:
        failures = 0
        try:
            while not self.stop_event.is_set():
                failures = self._watch_once(failures)
        finally:
            db_connection.close()

    def _watch_once(self, failures: int) -> int:
        close_old_connections()
        settings = _settings(self.connection)
        if settings is None:
            self.stop_event.wait(60)
            return failures
        reader = _Reader(self.connection, self.on_ingested)
        try:
            record_ok(self.connection)
            cursor = imap.watch(
                settings, cursor_of(mailbox_of(self.connection)), reader.on_mail, self.stop_event
            )
            _store_cursor(self.connection, cursor)
            return 0
        except imap.MailboxError as error:
            record_error(self.connection, error.message)
        except Exception:
            # A bug or the database: logged with its trace, retried after a pause.
            log.exception("e-mail connection %s: watcher failed", self.connection.public_id)
            record_error(self.connection, "The mailbox watcher failed; it retries by itself.")
        failures += 1
        self.stop_event.wait(imap.backoff(settings, failures))
        return failures

    def stop(self) -> None:
        self.stop_event.set()


class Watcher:
    """Watches every active IMAP connection: a thread each, started and stopped as
    connections come and go. ``start()`` runs the supervisor in a thread; ``stop()`` ends
    all of them."""

    def __init__(self, *, refresh: float = WATCH_REFRESH_SECONDS, on_ingested=None):
        self.refresh = refresh
        self.on_ingested = on_ingested
        self.watches: dict[int, _Watch] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="mail-watcher", daemon=True)

    def start(self) -> Watcher:
        self.thread.start()
        return self

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.refresh_watches()
                except Exception:
                    log.exception("mail watcher: cannot list the e-mail connections")
                self.stopping.wait(self.refresh)
        finally:
            self._stop_all()
            db_connection.close()

    def refresh_watches(self) -> None:
        close_old_connections()
        wanted = {c.pk: c for c in imap_connections()}
        self._hold(wanted)
        for pk in list(self.watches):
            current = wanted.get(pk)
            if current is None or _changed(self.watches[pk].connection, current):
                self.watches.pop(pk).stop()
                if current is None:
                    record_stopped(ChannelConnection(pk=pk))
        for pk, connection in wanted.items():
            if pk not in self.watches:
                watch = _Watch(connection, self.on_ingested)
                self.watches[pk] = watch
                watch.thread.start()

    def _hold(self, wanted) -> None:
        """Renew the hold on the mailboxes this watcher reads (see ``Mailbox.watched_until``)."""
        for connection in wanted.values():
            mailbox_of(connection)
        until = clock.now() + timedelta(seconds=max(WATCH_HOLD_SECONDS, 3 * self.refresh))
        Mailbox.objects.filter(connection_id__in=list(wanted)).update(watched_until=until)

    def _stop_all(self) -> None:
        for watch in self.watches.values():
            watch.stop()
        for watch in self.watches.values():
            watch.thread.join(timeout=5)
        Mailbox.objects.filter(connection_id__in=list(self.watches)).update(watched_until=None)
        self.watches.clear()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout=timeout)


def _changed(running, current) -> bool:
    """New settings (a changed server or password) restart the connection's watch."""
    return running.config != current.config or running.credentials != current.credentials
