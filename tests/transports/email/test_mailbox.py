"""The IMAP worker against a real (private) Dovecot: sync by UID with the cursor on its row,
UIDVALIDITY changes, expunges mid-sync, dropped connections, IDLE delivery, and errors
recorded on the mailbox without secrets."""

from __future__ import annotations

import dataclasses
import time

import pytest

from messagecenter.archive.services import delete_conversation
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.events import register_sink, unregister_sink
from messagecenter.transports.email import mailbox
from messagecenter.transports.email.models import Mailbox, MailboxStatus
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import as_actor

from .conftest import FOLDER
from .servers import make_mail, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def connect(widget, server, *, port=None, password=None, **imap) -> ChannelConnection:
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        config={
            "address": "support@acme.example",
            "inbound": "imap",
            "imap": {
                "host": server.host,
                "port": port or server.port,
                "security": "none",
                "username": server.username,
                "folder": FOLDER,
                **imap,
            },
        },
        credentials={"imap_password": password or server.password},
    )


def small_batches(monkeypatch, size=1):
    """One mail per FETCH (the stored settings have no batch size), to cut between mails."""
    read = mailbox._settings
    monkeypatch.setattr(
        mailbox,
        "_settings",
        lambda c: dataclasses.replace(read(c), batch_size=size, retry_backoff=0.01),
    )


def bodies() -> list[str]:
    return sorted(Message.objects.values_list("body", flat=True))


def test_a_sync_imports_each_mail_once_and_stores_the_cursor(widget, dovecot):
    channel = connect(widget, dovecot)
    for n in range(3):
        dovecot.append(make_mail(f"Frage {n}", body=f"Text {n}"), FOLDER)

    assert mailbox.sync_connection(channel) == 3
    assert mailbox.sync_connection(channel) == 0

    assert bodies() == ["Text 0", "Text 1", "Text 2"]
    state = Mailbox.objects.get(connection=channel)
    assert state.uidvalidity == dovecot.uidvalidity(FOLDER)
    assert state.last_uid == 3
    assert state.status == MailboxStatus.OK and state.last_sync_at is not None


def test_a_changed_uidvalidity_reads_again_without_duplicates(widget, dovecot):
    channel = connect(widget, dovecot)
    dovecot.append(make_mail(body="Eins"), FOLDER)
    dovecot.append(make_mail(body="Zwei"), FOLDER)
    mailbox.sync_connection(channel)
    new = dovecot.change_uidvalidity(FOLDER)
    dovecot.append(make_mail(body="Drei"), FOLDER)

    mailbox.sync_connection(channel)

    assert bodies() == ["Drei", "Eins", "Zwei"]
    assert Mailbox.objects.get(connection=channel).uidvalidity == new


def test_a_mail_expunged_during_the_sync_is_skipped_and_the_rest_arrive(
    widget, dovecot, monkeypatch
):
    channel = connect(widget, dovecot)
    small_batches(monkeypatch)
    for body in ("Eins", "Zwei", "Drei"):
        dovecot.append(make_mail(body=body), FOLDER)
    real = mailbox.ingest
    calls = []

    def ingest_and_expunge(connection, raw, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            dovecot.expunge([2], FOLDER)  # another client deletes mail 2 meanwhile
        return real(connection, raw, **kwargs)

    monkeypatch.setattr(mailbox, "ingest", ingest_and_expunge)

    mailbox.sync_connection(channel)

    assert bodies() == ["Drei", "Eins"]
    assert Mailbox.objects.get(connection=channel).last_uid == 3


def test_a_dropped_connection_mid_fetch_loses_and_doubles_nothing(
    widget, dovecot, proxy_to, monkeypatch
):
    small_batches(monkeypatch)
    for n in range(6):
        dovecot.append(make_mail(body=f"Mail {n} " + "x" * 2000), FOLDER)
    proxy = proxy_to(dovecot, after_bytes=6000, cuts=2)
    channel = connect(widget, dovecot, port=proxy.port)

    mailbox.sync_connection(channel)

    assert len(bodies()) == 6 and len(set(bodies())) == 6


def test_a_deleted_conversation_is_not_recreated_by_a_resync(widget, dovecot, alice):
    channel = connect(widget, dovecot)
    dovecot.append(make_mail(body="Bitte löschen"), FOLDER)
    mailbox.sync_connection(channel)
    conversation = Conversation.objects.get()
    services.end_conversation(conversation, actor=as_actor(alice))
    delete_conversation(conversation, actor=as_actor(alice))
    dovecot.change_uidvalidity(FOLDER)

    mailbox.sync_connection(channel)

    assert not Conversation.objects.exists()


def test_a_refused_login_is_recorded_on_the_mailbox_without_the_password(widget, dovecot):
    channel = connect(widget, dovecot, password="wrong-secret-4711")

    assert mailbox.sync_connection(channel) == 0

    state = Mailbox.objects.get(connection=channel)
    assert state.status == MailboxStatus.ERROR
    assert state.last_error and state.last_error_at is not None
    assert "wrong-secret-4711" not in state.last_error


def test_idle_brings_a_new_mail_within_seconds_and_a_deactivated_channel_stops(widget, dovecot):
    channel = connect(widget, dovecot)
    seen, pushed = [], []

    def pushed_sink(event, groups):
        pushed.append(event)

    register_sink(pushed_sink)
    watcher = mailbox.Watcher(refresh=0.2, on_ingested=seen.append).start()
    try:
        wait_until(lambda: channel.pk in watcher.watches, what="the watch to start")
        wait_until(
            lambda: Mailbox.objects.filter(connection=channel, status="ok").exists(),
            what="the mailbox to be read",
        )
        # Held by the watcher: the minute's polling sync leaves it alone.
        assert channel.pk not in mailbox.unwatched_connections().values_list("pk", flat=True)
        time.sleep(0.5)  # the watch is in IDLE now (a real wait for a real server)
        appended = time.monotonic()
        dovecot.append(make_mail(body="Per IDLE"), FOLDER)
        wait_until(lambda: bodies() == ["Per IDLE"], timeout=5, what="the mail via IDLE")
        assert time.monotonic() - appended < 5
        wait_until(lambda: seen, what="the ingest callback")
        assert seen[0].received.entry.message.body == "Per IDLE"
        # The operators' sockets are told (the event the inbox and conversation page follow).
        conversation = seen[0].received.conversation.public_id
        wait_until(
            lambda: any(
                e.get("type") == "timeline.entry" and e.get("conversation") == conversation
                for e in pushed
            ),
            timeout=5,
            what="the timeline event",
        )
        assert time.monotonic() - appended < 5

        ChannelConnection.objects.filter(pk=channel.pk).update(is_active=False)
        watch = watcher.watches[channel.pk]
        wait_until(lambda: channel.pk not in watcher.watches, what="the watch to stop")
        watch.thread.join(timeout=5)
        assert not watch.thread.is_alive()
        assert Mailbox.objects.get(connection=channel).status == MailboxStatus.STOPPED
    finally:
        watcher.stop()
        unregister_sink(pushed_sink)


def test_the_sync_job_runs_by_name_and_every_minute_for_each_imap_channel(widget, dovecot):
    from messagecenter.jobs.names import enqueue
    from messagecenter.transports.email import tasks

    channel = connect(widget, dovecot)
    ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind="email", is_active=False, config={}
    )
    dovecot.append(make_mail(body="Per Job"), FOLDER)

    enqueue(mailbox.JOB, channel.pk)  # MC_JOBS_IMMEDIATE in the tests: runs inline
    assert bodies() == ["Per Job"]

    dovecot.append(make_mail(body="Per Minute"), FOLDER)
    tasks.sync_mailboxes.call_local()
    assert bodies() == ["Per Job", "Per Minute"]


def test_a_stopped_watcher_hands_its_mailboxes_back_to_the_polling_sync(widget, dovecot):
    channel = connect(widget, dovecot)
    watcher = mailbox.Watcher(refresh=0.2).start()
    wait_until(lambda: channel.pk in watcher.watches, what="the watch to start")
    assert not mailbox.unwatched_connections().exists()

    watcher.stop()

    assert list(mailbox.unwatched_connections()) == [channel]


def test_a_mail_that_keeps_failing_is_skipped_after_three_tries(widget, dovecot, monkeypatch):
    channel = connect(widget, dovecot)
    dovecot.append(make_mail(body="Gift"), FOLDER)
    dovecot.append(make_mail(body="Gesund"), FOLDER)
    real = mailbox.ingest

    def fails_on_poison(connection, raw, **kwargs):
        if b"Gift" in raw:
            raise RuntimeError("a bug meets a strange mail")
        return real(connection, raw, **kwargs)

    monkeypatch.setattr(mailbox, "ingest", fails_on_poison)

    for _ in range(mailbox.MAX_MAIL_FAILURES - 1):
        with pytest.raises(RuntimeError):
            mailbox.sync_connection(channel)
        assert Mailbox.objects.get(connection=channel).last_uid == 0  # tried again next time
    mailbox.sync_connection(channel)

    assert bodies() == ["Gesund"]
    state = Mailbox.objects.get(connection=channel)
    assert state.last_uid == 2 and "UID 1" in state.last_error
