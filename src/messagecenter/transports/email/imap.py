"""The mailbox side of the e-mail channel: read new mail from an IMAP folder, once each.

Nothing here touches the database. The caller owns the state: it passes in the
``MailboxCursor`` it stored, gets every new mail with the cursor to store *with* that mail (in the
same transaction), and so resumes exactly where a crash stopped it.

- **Sync by UID per UIDVALIDITY.** A mail's UID only grows within one UIDVALIDITY; when the
  server changes it (a rebuilt index, a restored mailbox) every old UID is meaningless, so the sync
  restarts from the first mail and the caller drops what it already has by ``message_key``.
- **Never skip, never deliver twice in a run.** The cursor moves past a UID only after
  ``on_mail`` returned for it (or the server says the mail is gone); after a dropped connection
  the sync reconnects with backoff and searches from the cursor again.
- **Read-only.** The folder is opened with EXAMINE and mails fetched with BODY.PEEK[], so nothing
  changes in the mailbox (\\Seen included) unless ``mark_seen`` asks for it.
- **Push when the server can.** ``watch`` waits in IDLE (renewed well within RFC 2177's 29
  minutes) and polls every ``poll_interval`` seconds when the server has no IDLE.
- **Credentials stay secret.** Errors name the host, port, user and folder, never the password;
  imapclient's own logger redacts LOGIN and AUTHENTICATE lines.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import imaplib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import CapabilityError, LoginError
from imapclient.tls import create_default_context

log = logging.getLogger(__name__)

RFC2177_IDLE_LIMIT = 29 * 60  # servers may drop an IDLE older than 30 minutes
STOP_CHECK_SECONDS = 0.5  # how long an IDLE wait blocks before looking at the stop event
MAX_BACKOFF_SECONDS = 60.0
# Response codes (RFC 5530) that say "not now" rather than "never".
TRANSIENT_RESPONSE_CODES = ("[UNAVAILABLE]", "[INUSE]", "[LIMIT]", "[SERVERBUG]")


class Security(StrEnum):
    SSL = "ssl"  # TLS from the first byte (port 993)
    STARTTLS = "starttls"  # plain connect, then STARTTLS before the login (port 143)
    NONE = "none"  # no encryption: only for a server on the same host or a test


@dataclass(frozen=True, kw_only=True)
class ImapSettings:
    """One channel's mailbox. ``password`` is kept out of ``repr`` so it never lands in a log."""

    host: str
    port: int = 993
    security: Security = Security.SSL
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    batch_size: int = 25  # mails per FETCH: bounds memory and what a dropped connection costs
    mark_seen: bool = False  # True: fetch with BODY[] so the server sets \Seen
    poll_interval: float = 60.0  # seconds between checks on a server without IDLE
    idle_renew: float = 10 * 60.0  # re-issue IDLE this often (NAT boxes drop quiet sockets)
    retry_attempts: int = 8  # failures in a row without progress before giving up (~2 min)
    retry_backoff: float = 1.0  # first wait before reconnecting; doubles up to a minute

    def __post_init__(self):
        object.__setattr__(self, "security", Security(self.security))
        if not 0 < self.idle_renew <= RFC2177_IDLE_LIMIT:
            raise ValueError(f"idle_renew must be within (0, {RFC2177_IDLE_LIMIT}] seconds")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class MailboxCursor:
    """How far a folder has been read: every mail up to ``last_uid`` under ``uidvalidity``.

    The initial cursor (``MailboxCursor()``) reads the whole folder.
    """

    uidvalidity: int | None = None
    last_uid: int = 0


@dataclass(frozen=True)
class FetchedMail:
    """One mail as the server stored it, with the cursor to persist once it is stored."""

    uid: int
    raw: bytes
    message_id: str | None  # the Message-ID header without angle brackets, None when absent
    message_key: str  # message_key(message_id), or a hash of the raw mail when it has none
    cursor: MailboxCursor


OnMail = Callable[[FetchedMail], None]


class _OnMailFailed(Exception):
    def __init__(self, error: Exception):
        self.error = error


class MailboxError(Exception):
    """The mailbox cannot be read; ``message`` is written for the operator who set it up.

    ``transient`` errors (network, server busy) may pass by themselves; the others (login refused,
    folder missing, TLS mismatch) need the settings fixed.
    """

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.message = message
        self.transient = transient


def message_key(message_id: str) -> str:
    """The stable key of a Message-ID, for dedupe and tombstones: a hash, so nothing
    identifying is kept once a conversation is erased."""
    normalised = message_id.strip().strip("<>").strip()
    return hashlib.sha256(normalised.encode("utf-8", "surrogateescape")).hexdigest()


def raw_key(raw: bytes) -> str:
    """The key of a mail without a Message-ID: the hash of its bytes (a re-delivered copy
    of it is byte-identical, so it still dedupes)."""
    return hashlib.sha256(b"raw:" + raw).hexdigest()


# -- public entry points ------------------------------------------------------------------------


def test_connection(settings: ImapSettings) -> str | None:
    """Connect, log in and open the folder once; ``None`` when it works, else why not."""
    try:
        with _session(settings) as client, _reading(settings):
            _open_folder(client, settings)
    except MailboxError as error:
        return error.message
    return None


test_connection.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test


def sync(settings: ImapSettings, cursor: MailboxCursor, on_mail: OnMail) -> MailboxCursor:
    """Deliver every mail after ``cursor`` to ``on_mail``, oldest first; return the new cursor.

    Reconnects (with backoff) when the connection drops; raises ``MailboxError`` when the
    mailbox cannot be read at all. An exception from ``on_mail`` stops the sync and propagates:
    that mail and the later ones come again next time.
    """
    reader = _Reader(settings, cursor, on_mail)
    reader.run(lambda client: reader.drain(client))
    return reader.cursor


def watch(
    settings: ImapSettings,
    cursor: MailboxCursor,
    on_mail: OnMail,
    stop_event: threading.Event,
) -> MailboxCursor:
    """Like ``sync``, then keep delivering new mail as it arrives until ``stop_event`` is set.

    Waits in IDLE when the server supports it (new mail arrives within about a second), else
    checks every ``settings.poll_interval`` seconds. Returns the cursor when stopped.
    """
    reader = _Reader(settings, cursor, on_mail, stop_event)
    reader.run(reader.follow)
    return reader.cursor


# -- reading ------------------------------------------------------------------------------------


class _Reader:
    """One run of ``sync`` or ``watch``: its cursor and the reconnect policy."""

    def __init__(self, settings, cursor, on_mail, stop_event=None):
        self.settings = settings
        self.cursor = cursor
        self.on_mail = on_mail
        self.stop_event = stop_event or threading.Event()
        self.caught_up = False  # set once a watch has read everything and waits for news

    def run(self, work: Callable[[IMAPClient], None]) -> None:
        """Run ``work`` on a connection; after a transient failure reconnect and run it again
        from the cursor. Gives up after ``retry_attempts`` failures in a row without progress."""
        failures = 0
        while not self.stop_event.is_set():
            before = self.cursor
            try:
                with _session(self.settings) as client, _reading(self.settings):
                    work(client)
                return
            except _OnMailFailed as failed:
                raise failed.error from None
            except MailboxError as error:
                if not error.transient:
                    raise
                # A failure after progress (or after a healthy watch) starts a new count; only
                # a server that keeps failing before we get anywhere makes us give up.
                healthy = self.cursor != before or self.caught_up
                self.caught_up = False
                failures = 1 if healthy else failures + 1
                if failures >= self.settings.retry_attempts:
                    raise
                delay = backoff(self.settings, failures)
                log.warning("mailbox %s: %s; retrying in %.1fs", self._name, error.message, delay)
                self.stop_event.wait(delay)

    @property
    def _name(self) -> str:
        return f"{self.settings.username}@{self.settings.address}/{self.settings.folder}"

    def drain(self, client: IMAPClient) -> None:
        """Deliver every mail after the cursor, batch by batch."""
        self._check_uidvalidity(_open_folder(client, self.settings))
        for batch in _batches(self._new_uids(client), self.settings.batch_size):
            mails = _fetch(client, batch, self.settings)
            _check_missing_were_expunged(client, batch, mails, self.settings)
            for uid, raw in mails:
                self._deliver(uid, raw)
            # Mails expunged before we fetched them are gone: nothing to wait for.
            self._advance(batch[-1])
            if self.stop_event.is_set():
                return

    def follow(self, client: IMAPClient) -> None:
        """Drain, then wait for news (IDLE or a poll interval) and drain again, until stopped."""
        self.drain(client)
        idle = client.has_capability("IDLE")
        log.info("mailbox %s: watching (%s)", self._name, "IDLE" if idle else "polling")
        while not self.stop_event.is_set():
            self.caught_up = True
            if idle:
                _idle_until_news(client, self.settings, self.stop_event)
            elif self.stop_event.wait(self.settings.poll_interval):
                return
            self.drain(client)

    def _check_uidvalidity(self, uidvalidity: int) -> None:
        if self.cursor.uidvalidity != uidvalidity:
            if self.cursor.uidvalidity is not None:
                log.warning(
                    "mailbox %s: UIDVALIDITY changed from %s to %s; reading it all again",
                    self._name,
                    self.cursor.uidvalidity,
                    uidvalidity,
                )
            self.cursor = MailboxCursor(uidvalidity=uidvalidity, last_uid=0)

    def _new_uids(self, client: IMAPClient) -> list[int]:
        # "n:*" always matches the highest UID, even one below n: filter again.
        found = client.search(["UID", f"{self.cursor.last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > self.cursor.last_uid)

    def _deliver(self, uid: int, raw: bytes) -> None:
        message_id = _message_id(raw)
        cursor = replace(self.cursor, last_uid=uid)
        key = message_key(message_id) if message_id else raw_key(raw)
        try:
            self.on_mail(FetchedMail(uid, raw, message_id, key, cursor))
        except Exception as error:
            # The caller's failure (even an OSError from its disk) is not a broken connection:
            # carry it past _reading untouched.
            raise _OnMailFailed(error) from error
        self.cursor = cursor

    def _advance(self, uid: int) -> None:
        if uid > self.cursor.last_uid:
            self.cursor = replace(self.cursor, last_uid=uid)


def backoff(settings: ImapSettings, failures: int) -> float:
    """Seconds to wait after the ``failures``-th failure in a row: doubling, at most a minute."""
    return min(settings.retry_backoff * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)


def _batches(uids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start : start + size]


def _fetch(client: IMAPClient, uids: list[int], settings: ImapSettings) -> list[tuple[int, bytes]]:
    """The raw mails of ``uids`` that still exist, in UID order."""
    item = "BODY[]" if settings.mark_seen else "BODY.PEEK[]"
    try:
        response = client.fetch(uids, [item])
    except imaplib.IMAP4.error as error:
        if isinstance(error, imaplib.IMAP4.abort) or "EXPUNGEISSUED" not in str(error).upper():
            raise
        # Another client expunged some of them while we looked: NOOP lets the server tell us
        # which, and a UID FETCH then returns the rest and silently skips the gone ones.
        client.noop()
        response = client.fetch(uids, [item])
    mails = []
    for uid in sorted(response):
        raw = response[uid].get(b"BODY[]")
        if uid in uids and raw:  # Dovecot answers NIL for a mail expunged meanwhile
            mails.append((uid, bytes(raw)))
    return mails


def _check_missing_were_expunged(
    client: IMAPClient, batch: list[int], mails: list[tuple[int, bytes]], settings: ImapSettings
) -> None:
    """A mail the FETCH did not return is skipped only when it is really gone: a UID SEARCH
    (which may report expunges, unlike FETCH) must not find it any more."""
    fetched = {uid for uid, _raw in mails}
    missing = [uid for uid in batch if uid not in fetched]
    if not missing:
        return
    still_there = set(client.search(["UID", ",".join(map(str, missing))])) & set(missing)
    if still_there:
        raise MailboxError(
            f"{settings.address} did not return the mails with UIDs {sorted(still_there)}",
            transient=True,
        )


def _message_id(raw: bytes) -> str | None:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    value = headers.get("Message-ID")
    if value is None:
        return None
    text = str(value).strip().strip("<>").strip()
    # Undecodable bytes in a header come back as surrogates, which no database stores.
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text or None


def _idle_until_news(client: IMAPClient, settings: ImapSettings, stop: threading.Event) -> None:
    """Wait in IDLE until the server reports a change, the renew time passes, or we stop."""
    client.idle()
    renew_at = time.monotonic() + settings.idle_renew
    try:
        while not stop.is_set() and time.monotonic() < renew_at:
            wait = min(STOP_CHECK_SECONDS, max(renew_at - time.monotonic(), 0.01))
            started = time.monotonic()
            responses = client.idle_check(timeout=wait)
            if _is_news(responses):
                return
            if not responses and time.monotonic() - started < wait / 2:
                # The socket was readable but held no whole response: most likely the server
                # closed it. Leaving IDLE (DONE) tells us for sure.
                return
    finally:
        client.idle_done()


def _is_news(responses: list) -> bool:
    """EXISTS (new mail) or EXPUNGE; a bare "OK Still here" keep-alive is not news."""
    return any(len(r) > 1 and r[1] in (b"EXISTS", b"EXPUNGE", b"RECENT") for r in responses)


# -- connecting ---------------------------------------------------------------------------------


@contextmanager
def _session(settings: ImapSettings) -> Iterator[IMAPClient]:
    """A logged-in connection, closed afterwards; failures become ``MailboxError``."""
    with _connecting(settings):
        client = _connect(settings)
    try:
        with _connecting(settings):
            _login(client, settings)
        yield client
    finally:
        _close(client)


def _connect(settings: ImapSettings) -> IMAPClient:
    timeout = _timeout(settings)
    if settings.security is Security.SSL:
        return IMAPClient(
            settings.host, settings.port, ssl=True, ssl_context=_tls(), timeout=timeout
        )
    client = IMAPClient(settings.host, settings.port, ssl=False, timeout=timeout)
    if settings.security is Security.STARTTLS:
        try:
            client.starttls(_tls())
        except CapabilityError:
            _close(client)
            raise MailboxError(
                f"{settings.address} does not offer STARTTLS: choose SSL/TLS or check the port",
                transient=False,
            ) from None
    return client


def _timeout(settings: ImapSettings) -> SocketTimeout:
    return SocketTimeout(connect=settings.connect_timeout, read=settings.read_timeout)


def _tls() -> ssl.SSLContext:
    return create_default_context()


def _login(client: IMAPClient, settings: ImapSettings) -> None:
    """LOGIN takes only ASCII (imaplib); AUTHENTICATE PLAIN carries any password as UTF-8."""
    try:
        if settings.password.isascii() and settings.username.isascii():
            client.login(settings.username, settings.password)
        else:
            client.plain_login(settings.username, settings.password)
    except LoginError as error:
        reason = _scrub(_server_text(error), settings)
        transient = any(code in reason.upper() for code in TRANSIENT_RESPONSE_CODES)
        raise MailboxError(
            f"{settings.address} refused the login of {settings.username!r}: check the user "
            f"name and password (server said: {reason})",
            transient=transient,
        ) from None


def _open_folder(client: IMAPClient, settings: ImapSettings) -> int:
    """Select the folder (read-only unless mails are marked seen); returns its UIDVALIDITY."""
    try:
        selected = client.select_folder(settings.folder, readonly=not settings.mark_seen)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        if not client.folder_exists(settings.folder):
            raise MailboxError(
                f"the folder {settings.folder!r} does not exist in the mailbox of "
                f"{settings.username!r} on {settings.address}",
                transient=False,
            ) from None
        raise MailboxError(
            f"{settings.address} cannot open the folder {settings.folder!r}: "
            f"{_scrub(str(error), settings)}",
            transient=True,
        ) from None
    return selected[b"UIDVALIDITY"]


def _close(client: IMAPClient) -> None:
    """Log out politely; a connection that is already dead is just closed."""
    try:
        client.logout()
    except Exception:
        with suppress(Exception):
            client.shutdown()


@contextmanager
def _connecting(settings: ImapSettings) -> Iterator[None]:
    """Turn what can go wrong while connecting and logging in into a ``MailboxError``."""
    try:
        yield
    except MailboxError:
        raise
    except (ssl.SSLError, ssl.CertificateError) as error:
        raise _tls_error(error, settings) from None
    except (OSError, imaplib.IMAP4.error) as error:
        raise _network_error(error, settings) from None


@contextmanager
def _reading(settings: ImapSettings) -> Iterator[None]:
    """While reading, a broken connection (or TLS stream) is transient: reconnect and resume."""
    try:
        yield
    except MailboxError:
        raise
    except (OSError, imaplib.IMAP4.abort, EOFError) as error:
        raise MailboxError(
            f"the connection to {settings.address} broke: {_scrub(_describe(error), settings)}",
            transient=True,
        ) from None
    except imaplib.IMAP4.error as error:
        reason = _scrub(str(error), settings)
        transient = any(code in reason.upper() for code in TRANSIENT_RESPONSE_CODES)
        raise MailboxError(f"{settings.address} answered: {reason}", transient=transient) from None


def _tls_error(error: Exception, settings: ImapSettings) -> MailboxError:
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or "certificate not trusted"
        return MailboxError(
            f"the TLS certificate of {settings.address} was refused ({why})", transient=False
        )
    if isinstance(error, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return MailboxError(
            f"{settings.address} closed the connection during the TLS handshake", transient=True
        )
    reason = getattr(error, "reason", None) or _describe(error)
    return MailboxError(
        f"TLS with {settings.address} failed ({reason}): check the port and the TLS mode "
        f"(SSL/TLS is usually port 993, STARTTLS port 143)",
        transient=False,
    )


def _network_error(error: Exception, settings: ImapSettings) -> MailboxError:
    where = settings.address
    if isinstance(error, socket.gaierror):
        message = f"the host name {settings.host!r} cannot be resolved"
    elif isinstance(error, ConnectionRefusedError):
        message = f"{where} refused the connection: check the host and port"
    elif isinstance(error, TimeoutError):
        message = f"{where} did not answer in time (timeout {settings.connect_timeout:g} s)"
    elif isinstance(error, imaplib.IMAP4.error):
        message = f"{where} does not speak IMAP as expected ({_describe(error)})"
    else:
        message = f"{where} cannot be reached ({_describe(error)})"
    return MailboxError(_scrub(message, settings), transient=True)


def _server_text(error: Exception) -> str:
    """imapclient wraps the server's bytes in str(): b'[AUTHENTICATIONFAILED] …' loses its b''."""
    text = str(error)
    if len(text) > 2 and text[0] == "b" and text[1] in "'\"" and text[-1] == text[1]:
        return text[2:-1]
    return text


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _scrub(text: str, settings: ImapSettings) -> str:
    """Servers sometimes echo what they got; the password must not travel on from here."""
    return text.replace(settings.password, "***") if settings.password else text
