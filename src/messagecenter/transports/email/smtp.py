"""The sending side of the e-mail channel: hand one mail to the channel's SMTP server.

Nothing here touches the database. ``send`` either returns (the server accepted the mail) or
raises ``MailDeliveryError`` saying whether trying again can help: the transport layer turns it
into ``TransportError(permanent=…)``, so only transient failures are retried with backoff.

- **Transient:** the server is unreachable, drops the connection, times out, or answers 4xx
  ("try again later": greylisting, a full queue, a temporary auth failure).
- **Permanent:** the server answers 5xx (recipient unknown, sender refused, mail rejected, login
  refused) or the settings cannot work (no STARTTLS offered, a TLS mismatch, an untrusted
  certificate): retrying the same mail with the same settings would fail the same way.

Reasons name the host, port, user and the server's answer, never the password.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage

# One TLS vocabulary for the whole channel: the IMAP side defines it.
from .imap import Security


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    """One channel's outgoing server. ``password`` is kept out of ``repr`` (and so out of logs).
    Without a ``username`` the server is used without logging in."""

    host: str
    port: int = 587
    security: Security = Security.STARTTLS
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0  # seconds for the connection and for each answer
    local_hostname: str | None = None  # the name sent in EHLO; None: this machine's FQDN

    def __post_init__(self):
        object.__setattr__(self, "security", Security(self.security))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class MailDeliveryError(Exception):
    """The mail was not accepted. ``permanent``: retrying cannot help; ``reason`` is written for
    the operator and shown on the failed message."""

    def __init__(self, permanent: bool, reason: str):
        super().__init__(reason)
        self.permanent = permanent
        self.reason = reason


def send(settings: SmtpSettings, message: EmailMessage) -> dict[str, str]:
    """Send ``message`` to its To, Cc and Bcc recipients (Bcc is not transmitted).

    Returns the recipients the server refused while accepting the mail for the others
    (address → the server's answer), so the caller can say so; raises ``MailDeliveryError``
    when no recipient got it.
    """
    if not message.get_all("To") and not message.get_all("Cc") and not message.get_all("Bcc"):
        raise MailDeliveryError(True, "the mail has no recipient (To, Cc or Bcc)")
    with _failures(settings), _session(settings) as client:
        refused = client.send_message(message)
    return {address: _answer(code, text) for address, (code, text) in refused.items()}


def test_connection(settings: SmtpSettings) -> str | None:
    """Connect, secure and log in once; ``None`` when that works, else why not."""
    try:
        with _failures(settings), _session(settings) as client:
            client.noop()
    except MailDeliveryError as error:
        return error.reason
    return None


test_connection.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test


# -- the session --------------------------------------------------------------------------------


@contextmanager
def _session(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    client = _connect(settings)
    try:
        if settings.security is Security.STARTTLS:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise MailDeliveryError(
                    True,
                    f"{settings.address} does not offer STARTTLS: choose SSL/TLS or check the port",
                )
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            _login(client, settings)
        yield client
    finally:
        _close(client)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security is Security.SSL:
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=settings.local_hostname,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    hostname, timeout = settings.local_hostname, settings.timeout
    return smtplib.SMTP(settings.host, settings.port, local_hostname=hostname, timeout=timeout)


def _login(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    """smtplib encodes credentials as ASCII; AUTH PLAIN by hand carries any password as UTF-8."""
    if settings.username.isascii() and settings.password.isascii():
        client.login(settings.username, settings.password)
        return
    client.ehlo_or_helo_if_needed()
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise MailDeliveryError(
            True, f"{settings.address} does not offer AUTH PLAIN, needed for a non-ASCII password"
        )
    credentials = f"\0{settings.username}\0{settings.password}".encode()
    code, answer = client.docmd("AUTH", "PLAIN " + base64.b64encode(credentials).decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        with suppress(OSError):
            client.close()


# -- classifying what went wrong ----------------------------------------------------------------


@contextmanager
def _failures(settings: SmtpSettings) -> Iterator[None]:
    """Turn every way sending can fail into a ``MailDeliveryError`` with a readable reason."""
    try:
        yield
    except MailDeliveryError as error:
        raise MailDeliveryError(error.permanent, _scrub(error.reason, settings)) from None
    except smtplib.SMTPRecipientsRefused as error:
        raise _refused_recipients(error.recipients, settings) from None
    except smtplib.SMTPSenderRefused as error:
        raise _rejected(
            error.smtp_code, error.smtp_error, f"the sender {_text(error.sender)} was refused"
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        reason = (
            f"{settings.address} refused the login of {settings.username!r}: check the user "
            f"name and password (server said: {_answer(error.smtp_code, error.smtp_error)})"
        )
        raise MailDeliveryError(error.smtp_code >= 500, _scrub(reason, settings)) from None
    except smtplib.SMTPServerDisconnected as error:
        raise MailDeliveryError(
            False, f"{settings.address} closed the connection ({error or 'no reason given'})"
        ) from None
    except smtplib.SMTPResponseException as error:  # connect, HELO, DATA: by the answer's code
        raise _rejected(
            error.smtp_code, error.smtp_error, f"{settings.address} refused the mail"
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise MailDeliveryError(True, f"{settings.address} cannot do this: {error}") from None
    except smtplib.SMTPException as error:
        reason = f"{settings.address}: {_scrub(str(error), settings)}"
        raise MailDeliveryError(False, reason) from None
    except (ssl.SSLError, ssl.CertificateError) as error:
        raise _tls_error(error, settings) from None
    except OSError as error:
        raise MailDeliveryError(False, _network_reason(error, settings)) from None


def _refused_recipients(recipients: dict, settings: SmtpSettings) -> MailDeliveryError:
    """Every recipient was refused: permanent only if every refusal was (5xx)."""
    answers = [f"{address}: {_answer(code, text)}" for address, (code, text) in recipients.items()]
    permanent = all(code >= 500 for code, _text in recipients.values())
    return MailDeliveryError(
        permanent, f"{settings.address} refused every recipient ({'; '.join(answers)})"
    )


def _rejected(code: int, text, what: str) -> MailDeliveryError:
    return MailDeliveryError(code >= 500, f"{what}: {_answer(code, text)}")


def _tls_error(error: Exception, settings: SmtpSettings) -> MailDeliveryError:
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or "certificate not trusted"
        return MailDeliveryError(
            True, f"the TLS certificate of {settings.address} was refused ({why})"
        )
    if isinstance(error, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return MailDeliveryError(
            False, f"{settings.address} closed the connection during the TLS handshake"
        )
    reason = getattr(error, "reason", None) or str(error)
    return MailDeliveryError(
        True,
        f"TLS with {settings.address} failed ({reason}): check the port and the TLS mode "
        f"(SSL/TLS is usually port 465, STARTTLS port 587)",
    )


def _network_reason(error: OSError, settings: SmtpSettings) -> str:
    if isinstance(error, socket.gaierror):
        return f"the host name {settings.host!r} cannot be resolved"
    if isinstance(error, ConnectionRefusedError):
        return f"{settings.address} refused the connection: check the host and port"
    if isinstance(error, TimeoutError):
        return f"{settings.address} did not answer in time (timeout {settings.timeout:g} s)"
    return f"{settings.address} cannot be reached ({error.strerror or error})"


def _answer(code: int, text) -> str:
    return f"{code} {_text(text)}".strip()


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _scrub(text: str, settings: SmtpSettings) -> str:
    """Servers sometimes echo what they got; the password must not travel on from here."""
    return text.replace(settings.password, "***") if settings.password else text
