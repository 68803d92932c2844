"""Sending through a real SMTP server (aiosmtpd): what arrives, and which failures are retried."""

from __future__ import annotations

import email
import email.policy
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from messagecenter.transports.email import smtp
from messagecenter.transports.email.imap import Security
from messagecenter.transports.email.smtp import MailDeliveryError, SmtpSettings

from .servers import free_port

# aiosmtpd warns that AUTH without TLS is unsafe: here it is a local test server.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

LOGIN = "bot@acme.test"
PASSWORD = "smtp-pass-123"
UNICODE_LOGIN = "bøt@acme.test"
UNICODE_PASSWORD = "pässwörd-Ω"


class MailServer:
    """Accepts mail like a provider would, with a few addresses and markers that make it refuse:
    ``unknown@`` (550), ``busy@`` (451), a ``X-Test: spam`` header (554 on DATA), ``X-Test: full``
    (452 on DATA), ``X-Test: hang-up`` (drops the connection during DATA)."""

    def __init__(self):
        self.received = []
        self.auth_answer = None  # e.g. "454 4.7.0 …": refuse every login with it

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("unknown@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if b"X-Test: spam" in envelope.content:
            return "554 5.7.1 Message rejected as spam"
        if b"X-Test: full" in envelope.content:
            return "452 4.3.1 Insufficient system storage"
        if b"X-Test: hang-up" in envelope.content:
            server.transport.close()
            return None
        self.received.append(envelope)
        return "250 2.0.0 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if self.auth_answer:
            return AuthResult(success=False, handled=False, message=self.auth_answer)
        credentials = (auth_data.login, auth_data.password)
        valid = {
            (LOGIN.encode(), PASSWORD.encode()),
            (UNICODE_LOGIN.encode(), UNICODE_PASSWORD.encode()),
        }
        return AuthResult(success=credentials in valid, handled=False)  # failed: a 535


def _serve(security: Security, tls_certificate=None, **smtp_options):
    """A MailServer behind aiosmtpd, plus the channel settings that reach it."""
    server = MailServer()
    if tls_certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_certificate.configure_cert(context)
        key = "ssl_context" if security is Security.SSL else "tls_context"
        smtp_options[key] = context
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=server.authenticate,
        auth_required=True,
        **smtp_options,
    )
    controller.start()
    server.settings = SmtpSettings(
        host="127.0.0.1",
        port=controller.port,
        security=security,
        username=LOGIN,
        password=PASSWORD,
        timeout=5,
    )
    return server, controller


@pytest.fixture
def mail_server():
    server, controller = _serve(Security.NONE, auth_require_tls=False)
    yield server
    controller.stop()


@pytest.fixture(params=[Security.STARTTLS, Security.SSL])
def tls_mail_server(request, tls_certificate):
    """Logins only over TLS: STARTTLS on the submission port, or TLS from the first byte."""
    # aiosmtpd only counts STARTTLS as TLS: on an implicit-TLS port it would hide AUTH.
    implicit = request.param is Security.SSL
    server, controller = _serve(request.param, tls_certificate, auth_require_tls=not implicit)
    yield server
    controller.stop()


def _reply(to="clara@example.com", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice Admin <support@acme.test>"
    message["To"] = to
    message["Subject"] = "Re: Ihre Bestellung — Größe"
    message["Message-ID"] = "<reply-1@acme.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Grüße aus Köln\n")
    message.add_alternative("<p>Grüße aus <b>Köln</b></p>", subtype="html")
    message.add_attachment(
        bytes(range(256)) * 40, maintype="application", subtype="pdf", filename="Rechnung.pdf"
    )
    return message


def _settings(server, **overrides) -> SmtpSettings:
    values = {
        field: getattr(server.settings, field) for field in server.settings.__dataclass_fields__
    }
    return SmtpSettings(**(values | overrides))


def test_a_sent_mail_arrives_intact_and_bcc_stays_hidden(mail_server):
    sent = _reply(Bcc="boss@acme.test")

    refused = smtp.send(mail_server.settings, sent)

    assert refused == {}
    [envelope] = mail_server.received
    assert envelope.mail_from == "support@acme.test"
    assert envelope.rcpt_tos == ["clara@example.com", "boss@acme.test"]
    got = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert got["Bcc"] is None
    assert got["Subject"] == "Re: Ihre Bestellung — Größe"
    assert got["Message-ID"] == "<reply-1@acme.test>"
    assert got.get_body(("plain",)).get_content().splitlines() == ["Grüße aus Köln"]
    assert got.get_body(("html",)).get_content().splitlines() == ["<p>Grüße aus <b>Köln</b></p>"]
    [attachment] = got.iter_attachments()
    assert attachment.get_filename() == "Rechnung.pdf"
    assert attachment.get_content() == bytes(range(256)) * 40


def test_a_recipient_refused_among_accepted_ones_is_reported_not_raised(mail_server):
    refused = smtp.send(mail_server.settings, _reply(to="clara@example.com, unknown@example.com"))

    assert refused == {
        "unknown@example.com": "550 5.1.1 <unknown@example.com>: Recipient address rejected: "
        "User unknown"
    }
    assert mail_server.received[0].rcpt_tos == ["clara@example.com"]


def test_an_unknown_recipient_is_a_permanent_failure(mail_server):
    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(mail_server.settings, _reply(to="unknown@example.com"))

    assert failure.value.permanent
    assert failure.value.reason == (
        f"127.0.0.1:{mail_server.settings.port} refused every recipient (unknown@example.com: "
        "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown)"
    )
    assert mail_server.received == []


def test_a_try_again_later_is_transient(mail_server):
    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(mail_server.settings, _reply(to="busy@example.com"))

    assert not failure.value.permanent
    assert "451 4.3.0 Mailbox busy, try again later" in failure.value.reason


def test_a_4xx_and_a_5xx_on_one_mail_is_transient(mail_server):
    """Retrying may still reach the busy recipient: not a permanent failure."""
    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(mail_server.settings, _reply(to="busy@example.com, unknown@example.com"))

    assert not failure.value.permanent


@pytest.mark.parametrize(
    ("marker", "permanent", "answer"),
    [
        ("spam", True, "554 5.7.1 Message rejected as spam"),
        ("full", False, "452 4.3.1 Insufficient system storage"),
    ],
)
def test_a_refused_message_body_is_classified_by_the_answer(mail_server, marker, permanent, answer):
    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(mail_server.settings, _reply(X_Test=marker))

    assert failure.value.permanent is permanent
    assert failure.value.reason.endswith(f"refused the mail: {answer}")


def test_a_connection_dropped_during_sending_is_transient(mail_server):
    with pytest.raises(MailDeliveryError, match="closed the connection") as failure:
        smtp.send(mail_server.settings, _reply(X_Test="hang-up"))

    assert not failure.value.permanent


def test_a_refused_connection_is_transient():
    port = free_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, security=Security.NONE, timeout=5)

    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(settings, _reply())

    assert not failure.value.permanent
    assert (
        failure.value.reason == f"127.0.0.1:{port} refused the connection: check the host and port"
    )


def test_a_wrong_password_is_permanent_and_never_repeated(mail_server):
    settings = _settings(mail_server, password="Wr0ng-secret")

    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(settings, _reply())

    assert failure.value.permanent
    assert f"refused the login of '{LOGIN}': check the user name and password" in (
        failure.value.reason
    )
    assert "535" in failure.value.reason
    assert "Wr0ng-secret" not in failure.value.reason
    assert "Wr0ng-secret" not in repr(settings)
    assert mail_server.received == []


def test_a_temporary_login_failure_is_transient(mail_server):
    mail_server.auth_answer = "454 4.7.0 Temporary authentication failure"

    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(mail_server.settings, _reply())

    assert not failure.value.permanent
    assert "454 4.7.0 Temporary authentication failure" in failure.value.reason


def test_a_non_ascii_password_logs_in(mail_server):
    settings = _settings(mail_server, username=UNICODE_LOGIN, password=UNICODE_PASSWORD)

    smtp.send(settings, _reply())

    assert len(mail_server.received) == 1


def test_a_mail_without_recipients_is_refused_before_connecting():
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security=Security.NONE)
    message = _reply()
    del message["To"]

    with pytest.raises(MailDeliveryError, match="no recipient") as failure:
        smtp.send(settings, message)

    assert failure.value.permanent


def test_connection_check(mail_server):
    port = mail_server.settings.port

    assert smtp.test_connection(mail_server.settings) is None
    assert "check the user name and password" in smtp.test_connection(
        _settings(mail_server, password="nope")
    )
    assert smtp.test_connection(_settings(mail_server, security=Security.STARTTLS)) == (
        f"127.0.0.1:{port} does not offer STARTTLS: choose SSL/TLS or check the port"
    )
    assert smtp.test_connection(_settings(mail_server, security=Security.SSL)).startswith(
        f"TLS with 127.0.0.1:{port} failed ("
    )
    assert smtp.test_connection(_settings(mail_server, host="no-such-host.invalid")) == (
        "the host name 'no-such-host.invalid' cannot be resolved"
    )


@pytest.mark.usefixtures("trust_tls_authority")
def test_a_mail_goes_out_over_tls(tls_mail_server):
    assert smtp.test_connection(tls_mail_server.settings) is None

    smtp.send(tls_mail_server.settings, _reply())

    assert len(tls_mail_server.received) == 1


def test_an_untrusted_certificate_is_a_permanent_failure(tls_mail_server):
    settings = tls_mail_server.settings

    with pytest.raises(MailDeliveryError) as failure:
        smtp.send(settings, _reply())

    assert failure.value.permanent
    assert failure.value.reason == (
        f"the TLS certificate of 127.0.0.1:{settings.port} was refused "
        "(unable to get local issuer certificate)"
    )
    assert tls_mail_server.received == []
