"""The mailbox reader against a real Dovecot: every mail once, in order, resumable, pushed."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from messagecenter.transports.email import imap
from messagecenter.transports.email.imap import MailboxCursor, MailboxError, Security

from .conftest import FOLDER, settings_for
from .servers import free_port, make_mail, wait_until


class Inbox:
    """What a caller would persist: each mail with its cursor (the cursor of the last one
    stored is what a restart resumes from)."""

    def __init__(self, *, crash_on: int | None = None):
        self.mails: list[imap.FetchedMail] = []
        self.crash_on = crash_on

    def __call__(self, mail: imap.FetchedMail) -> None:
        if self.crash_on is not None and len(self.mails) + 1 == self.crash_on:
            raise RuntimeError("worker killed")
        self.mails.append(mail)

    @property
    def cursor(self) -> MailboxCursor:
        return self.mails[-1].cursor

    @property
    def subjects(self) -> list[str]:
        return [_subject(mail.raw) for mail in self.mails]


def _subject(raw: bytes) -> str:
    for line in raw.split(b"\r\n"):
        if line.startswith(b"Subject: "):
            return line[len(b"Subject: ") :].decode()
    raise AssertionError("no Subject")


def _fill(dovecot, count: int, *, body: str = "Hi there") -> list[int]:
    return [dovecot.append(make_mail(f"mail {n}", body=body), FOLDER) for n in range(1, count + 1)]


# -- sync ---------------------------------------------------------------------------------------


def test_sync_delivers_every_mail_once_oldest_first_with_the_cursor_to_store(dovecot, mailbox):
    raw = make_mail("Where is my order?", message_id="<order-1@example.com>")
    first = dovecot.append(raw, FOLDER)
    second = dovecot.append(make_mail("Second"), FOLDER)
    inbox = Inbox()

    cursor = imap.sync(mailbox, MailboxCursor(), inbox)

    uidvalidity = dovecot.uidvalidity(FOLDER)
    assert [mail.uid for mail in inbox.mails] == [first, second]
    assert inbox.mails[0].raw == raw
    assert inbox.mails[0].message_id == "order-1@example.com"
    assert inbox.mails[0].message_key == imap.message_key("<order-1@example.com>")
    assert [mail.cursor for mail in inbox.mails] == [
        MailboxCursor(uidvalidity, first),
        MailboxCursor(uidvalidity, second),
    ]
    assert cursor == MailboxCursor(uidvalidity, second)
    again = Inbox()
    assert imap.sync(mailbox, cursor, again) == cursor
    assert again.mails == []


def test_sync_of_an_empty_folder_returns_a_cursor_for_its_uidvalidity(dovecot, mailbox):
    cursor = imap.sync(mailbox, MailboxCursor(), Inbox())

    assert cursor == MailboxCursor(dovecot.uidvalidity(FOLDER), 0)


def test_sync_leaves_mails_unread_unless_asked_to_mark_them_seen(dovecot, mailbox):
    uid = dovecot.append(make_mail("Unread"), FOLDER)

    imap.sync(mailbox, MailboxCursor(), Inbox())
    with dovecot.connect() as client:
        client.select_folder(FOLDER)
        assert b"\\Seen" not in client.get_flags([uid])[uid]

    imap.sync(settings_for(dovecot, mark_seen=True), MailboxCursor(), Inbox())
    with dovecot.connect() as client:
        client.select_folder(FOLDER)
        assert b"\\Seen" in client.get_flags([uid])[uid]


def test_sync_fetches_in_batches_and_misses_none(dovecot):
    uids = _fill(dovecot, 7)
    inbox = Inbox()

    imap.sync(settings_for(dovecot, batch_size=3), MailboxCursor(), inbox)

    assert [mail.uid for mail in inbox.mails] == uids


def test_a_crash_resumes_after_the_last_stored_mail(dovecot, mailbox):
    """GIVEN four mails WHEN the worker dies while storing the third THEN the next sync, from the
    cursor stored with the second, delivers the third and fourth only."""
    _fill(dovecot, 4)
    crashed = Inbox(crash_on=3)
    with pytest.raises(RuntimeError, match="worker killed"):
        imap.sync(mailbox, MailboxCursor(), crashed)
    assert crashed.subjects == ["mail 1", "mail 2"]

    resumed = Inbox()
    imap.sync(mailbox, crashed.cursor, resumed)

    assert resumed.subjects == ["mail 3", "mail 4"]


def test_an_os_error_of_the_caller_is_its_own_not_a_broken_connection(dovecot, proxy_to):
    _fill(dovecot, 2)
    proxy = proxy_to(dovecot)

    def disk_full(mail):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        imap.sync(settings_for(dovecot, port=proxy.port), MailboxCursor(), disk_full)

    assert proxy.connections == 1


def test_a_new_uidvalidity_reads_the_folder_again_from_the_start(dovecot, mailbox):
    _fill(dovecot, 2)
    before = imap.sync(mailbox, MailboxCursor(), Inbox())
    new_uidvalidity = dovecot.change_uidvalidity(FOLDER)
    inbox = Inbox()

    cursor = imap.sync(mailbox, before, inbox)

    assert inbox.subjects == ["mail 1", "mail 2"]
    assert cursor == MailboxCursor(new_uidvalidity, inbox.mails[-1].uid)
    assert {mail.cursor.uidvalidity for mail in inbox.mails} == {new_uidvalidity}


def test_the_same_mail_twice_comes_twice_with_one_message_key(dovecot, mailbox):
    raw = make_mail("Duplicate", message_id="<same@example.com>")
    first, second = dovecot.append(raw, FOLDER), dovecot.append(raw, FOLDER)
    inbox = Inbox()

    imap.sync(mailbox, MailboxCursor(), inbox)

    assert [mail.uid for mail in inbox.mails] == [first, second]
    assert first != second
    assert {mail.message_key for mail in inbox.mails} == {imap.message_key("same@example.com")}


def test_a_mail_without_message_id_is_keyed_by_its_bytes(dovecot, mailbox):
    raw = b"From: someone@example.com\r\nSubject: no id\r\n\r\nbody\r\n"
    dovecot.append(raw, FOLDER)
    dovecot.append(raw, FOLDER)
    dovecot.append(raw.replace(b"body", b"other"), FOLDER)
    inbox = Inbox()

    imap.sync(mailbox, MailboxCursor(), inbox)

    keys = [mail.message_key for mail in inbox.mails]
    assert [mail.message_id for mail in inbox.mails] == [None, None, None]
    assert keys[0] == keys[1] != keys[2]


def test_a_message_id_with_undecodable_bytes_still_gives_a_storable_id_and_its_key(
    dovecot, mailbox
):
    dovecot.append(b"Message-ID: <caf\xe9@example.com>\r\nSubject: x\r\n\r\nbody\r\n", FOLDER)
    inbox = Inbox()

    imap.sync(mailbox, MailboxCursor(), inbox)

    [mail] = inbox.mails
    assert mail.message_id == "caf\ufffd@example.com"
    assert mail.message_key == imap.message_key(mail.message_id)


def test_mails_expunged_during_a_sync_are_skipped_and_the_rest_arrive(dovecot):
    """GIVEN five mails read two per batch WHEN another client expunges mails 3 and 4 while the
    first is being stored THEN mails 1, 2 and 5 arrive and the cursor ends after 5."""
    uids = _fill(dovecot, 5)
    inbox = Inbox()

    def store_and_expunge(mail):
        inbox(mail)
        if mail.uid == uids[0]:
            dovecot.expunge(uids[2:4], FOLDER)

    cursor = imap.sync(settings_for(dovecot, batch_size=2), MailboxCursor(), store_and_expunge)

    assert inbox.subjects == ["mail 1", "mail 2", "mail 5"]
    assert cursor.last_uid == uids[4]


def test_a_connection_dropped_mid_fetch_is_resumed_without_loss_or_duplicate(dovecot, proxy_to):
    """GIVEN a network that cuts the first two connections mid-FETCH WHEN syncing six mails of
    8 kB THEN all six arrive, once each, in order."""
    uids = _fill(dovecot, 6, body="x" * 8000)
    proxy = proxy_to(dovecot, after_bytes=20_000, cuts=2)
    inbox = Inbox()

    imap.sync(settings_for(dovecot, port=proxy.port, batch_size=2), MailboxCursor(), inbox)

    assert [mail.uid for mail in inbox.mails] == uids
    assert proxy.cut == 2
    assert proxy.connections == 3


def test_a_server_that_keeps_failing_gives_up_with_a_transient_error(dovecot, proxy_to):
    proxy = proxy_to(dovecot, after_bytes=10, cuts=100)
    settings = settings_for(dovecot, port=proxy.port, retry_attempts=3)

    with pytest.raises(MailboxError) as failure:
        imap.sync(settings, MailboxCursor(), Inbox())

    assert failure.value.transient
    assert proxy.connections == 3
    assert f"127.0.0.1:{proxy.port}" in failure.value.message


def test_reconnects_back_off_doubling_up_to_a_minute():
    settings = imap.ImapSettings(host="mail.example.com", username="u", password="p")
    waits = [imap.backoff(settings, failures) for failures in range(1, 9)]

    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_refused_login_is_not_retried(dovecot, proxy_to):
    proxy = proxy_to(dovecot)
    settings = settings_for(dovecot, port=proxy.port, password="wrong")

    with pytest.raises(MailboxError, match="refused the login") as failure:
        imap.sync(settings, MailboxCursor(), Inbox())

    assert not failure.value.transient
    assert proxy.connections == 1


# -- test_connection ----------------------------------------------------------------------------


def test_connection_check_passes_for_good_settings(mailbox):
    assert imap.test_connection(mailbox) is None


def test_connection_check_explains_a_wrong_password_without_repeating_it(dovecot, caplog):
    caplog.set_level(logging.DEBUG)
    settings = settings_for(dovecot, password="S3cret-wrong")

    problem = imap.test_connection(settings)

    assert f"refused the login of '{dovecot.username}'" in problem
    assert problem.endswith(
        "check the user name and password (server said: [AUTHENTICATIONFAILED] Authentication "
        "failed.)"
    )
    assert "S3cret-wrong" not in problem
    assert "S3cret-wrong" not in caplog.text
    assert "S3cret-wrong" not in repr(settings)


def test_no_log_line_carries_the_password_of_a_working_sync(dovecot, caplog):
    caplog.set_level(logging.DEBUG)
    dovecot.append(make_mail("logged"), FOLDER)

    imap.sync(settings_for(dovecot), MailboxCursor(), Inbox())

    assert "LOGIN" in caplog.text or "AUTHENTICATE" in caplog.text  # the login was logged…
    assert dovecot.password not in caplog.text  # …redacted


def test_connection_check_names_a_missing_folder(dovecot):
    problem = imap.test_connection(settings_for(dovecot, folder="Nope"))

    assert problem == (
        f"the folder 'Nope' does not exist in the mailbox of '{dovecot.username}' "
        f"on 127.0.0.1:{dovecot.port}"
    )


def test_connection_check_explains_an_unreachable_host(dovecot):
    closed = free_port()

    assert imap.test_connection(settings_for(dovecot, port=closed)) == (
        f"127.0.0.1:{closed} refused the connection: check the host and port"
    )
    unknown = imap.test_connection(settings_for(dovecot, host="no-such-host.invalid"))
    assert unknown == "the host name 'no-such-host.invalid' cannot be resolved"


def test_connection_check_explains_a_tls_mode_the_server_does_not_speak(
    dovecot, dovecot_without_idle
):
    tls = imap.test_connection(settings_for(dovecot, security=Security.SSL))
    plain = dovecot_without_idle
    starttls = imap.test_connection(settings_for(plain, security=Security.STARTTLS))

    assert tls.startswith(f"TLS with 127.0.0.1:{dovecot.port} failed (")
    assert "check the port and the TLS mode" in tls
    assert starttls == (
        f"127.0.0.1:{plain.port} does not offer STARTTLS: choose SSL/TLS or check the port"
    )


@pytest.mark.usefixtures("trust_tls_authority")
def test_mail_is_read_over_ssl_and_over_starttls(dovecot):
    dovecot.append(make_mail("secure"), FOLDER)
    over_ssl = settings_for(dovecot, port=dovecot.tls_port, security=Security.SSL)
    over_starttls = settings_for(dovecot, security=Security.STARTTLS)

    assert imap.test_connection(over_ssl) is None
    assert imap.test_connection(over_starttls) is None
    for settings in (over_ssl, over_starttls):
        inbox = Inbox()
        imap.sync(settings, MailboxCursor(), inbox)
        assert inbox.subjects == ["secure"]


def test_an_untrusted_certificate_is_refused_and_not_retried(dovecot):
    over_ssl = settings_for(dovecot, port=dovecot.tls_port, security=Security.SSL)
    over_starttls = settings_for(dovecot, security=Security.STARTTLS)

    for settings in (over_ssl, over_starttls):
        problem = imap.test_connection(settings)
        assert problem.startswith(f"the TLS certificate of 127.0.0.1:{settings.port} was refused (")
        with pytest.raises(MailboxError) as failure:
            imap.sync(settings, MailboxCursor(), Inbox())
        assert not failure.value.transient


# -- watch --------------------------------------------------------------------------------------


class Watcher:
    """``imap.watch`` in a thread, as the worker runs it."""

    def __init__(self, settings, cursor=None):
        self.inbox = Inbox()
        self.stop = threading.Event()
        self.result = None
        self.error = None
        self._thread = threading.Thread(target=self._run, args=(settings, cursor), daemon=True)
        self._thread.start()

    def _run(self, settings, cursor):
        try:
            self.result = imap.watch(settings, cursor or MailboxCursor(), self.inbox, self.stop)
        except Exception as error:
            self.error = error

    def received(self, count: int, timeout: float = 5.0) -> list[str]:
        wait_until(lambda: len(self.inbox.mails) >= count or self.error, timeout=timeout)
        assert self.error is None, self.error
        return self.inbox.subjects

    def close(self, timeout: float = 5.0) -> MailboxCursor:
        self.stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "watch did not stop"
        assert self.error is None, self.error
        return self.result


@pytest.fixture
def watchers():
    started = []

    def watch(settings, cursor=None) -> Watcher:
        watcher = Watcher(settings, cursor)
        started.append(watcher)
        return watcher

    yield watch
    for watcher in started:
        watcher.stop.set()
    for watcher in started:
        watcher._thread.join(5)


def test_watch_delivers_a_new_mail_within_seconds_through_idle(dovecot, proxy_to, watchers):
    """GIVEN a watcher waiting in IDLE (renewed only every ten minutes) WHEN a mail arrives
    THEN it is delivered within seconds, pushed by the server."""
    _fill(dovecot, 1)
    proxy = proxy_to(dovecot)
    watcher = watchers(settings_for(dovecot, port=proxy.port, poll_interval=3600))
    assert watcher.received(1) == ["mail 1"]
    wait_until(lambda: proxy.commands(b"IDLE") == 1, what="the watcher to enter IDLE")

    arrived = time.monotonic()
    dovecot.append(make_mail("pushed"), FOLDER)

    assert watcher.received(2, timeout=5) == ["mail 1", "pushed"]
    assert time.monotonic() - arrived < 5
    cursor = watcher.close()
    assert cursor == watcher.inbox.cursor
    assert proxy.connections == 1


def test_watch_renews_idle_and_still_receives(dovecot, proxy_to, watchers):
    proxy = proxy_to(dovecot)
    watcher = watchers(settings_for(dovecot, port=proxy.port, idle_renew=0.2))
    wait_until(lambda: proxy.commands(b"IDLE") >= 3, what="three IDLE commands")

    dovecot.append(make_mail("after renewals"), FOLDER)

    assert watcher.received(1) == ["after renewals"]
    assert proxy.commands(b"DONE") >= 2
    watcher.close()


def test_watch_polls_a_server_without_idle(dovecot_without_idle, proxy_to, watchers):
    server = dovecot_without_idle
    proxy = proxy_to(server)
    watcher = watchers(settings_for(server, port=proxy.port, poll_interval=0.2))
    wait_until(lambda: proxy.commands(b"SEARCH UID 1:*") >= 2, what="two polls")

    server.append(make_mail("polled"), FOLDER)

    assert watcher.received(1) == ["polled"]
    assert proxy.commands(b"IDLE") == 0
    watcher.close()


def test_watch_reconnects_when_the_connection_drops_while_idle(dovecot, proxy_to, watchers):
    proxy = proxy_to(dovecot)
    watcher = watchers(settings_for(dovecot, port=proxy.port))
    wait_until(lambda: proxy.commands(b"IDLE") == 1, what="the watcher to enter IDLE")

    proxy.drop()
    wait_until(lambda: proxy.commands(b"IDLE") == 2, what="IDLE on a new connection")
    dovecot.append(make_mail("after the drop"), FOLDER)

    assert watcher.received(1) == ["after the drop"]
    assert proxy.connections == 2
    watcher.close()


def test_watch_resumes_from_the_cursor_it_is_given(dovecot, mailbox, watchers):
    _fill(dovecot, 2)
    first = Inbox(crash_on=2)
    with pytest.raises(RuntimeError):
        imap.sync(mailbox, MailboxCursor(), first)

    watcher = watchers(mailbox, first.cursor)

    assert watcher.received(1) == ["mail 2"]
    watcher.close()
    assert watcher.inbox.subjects == ["mail 2"]


def test_watch_stops_promptly_and_returns_its_cursor(dovecot, mailbox, watchers):
    _fill(dovecot, 1)
    watcher = watchers(mailbox)
    watcher.received(1)

    started = time.monotonic()
    cursor = watcher.close(timeout=3)

    assert time.monotonic() - started < 3
    assert cursor == MailboxCursor(dovecot.uidvalidity(FOLDER), watcher.inbox.mails[0].uid)


@pytest.mark.usefixtures("trust_tls_authority")
def test_watch_over_tls_delivers_new_mail_within_seconds(dovecot, watchers):
    dovecot.append(make_mail("first"), FOLDER)
    watcher = watchers(settings_for(dovecot, port=dovecot.tls_port, security=Security.SSL))
    assert watcher.received(1) == ["first"]

    dovecot.append(make_mail("second"), FOLDER)

    assert watcher.received(2, timeout=5) == ["first", "second"]
    watcher.close()
