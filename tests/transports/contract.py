"""The transport contract: what every channel must do, run by ``test_contract.py`` for each
entry of ``CASES``. A new channel joins by adding one ``Case`` subclass to ``CASES``.

A case knows how to attach its channel to a widget, how its provider's inbound request looks
(``request``: the same ``n`` is the same provider message, redelivered), who the sender is
when the channel does not identify people by an identity (the messenger's token), how to make
its provider fail (for channels that deliver by request), and what the provider accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.widgets.models import ChannelConnection


class Case:
    kind: ClassVar[str]
    # Registers the transport for the test (a fake) or None when the app registers it.
    fixture: ClassVar[str | None] = None

    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def connect(self, widget) -> ChannelConnection:
        return ChannelConnection.objects.create(
            account=widget.account, widget=widget, kind=self.kind
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        """The provider's raw inbound request for message ``n`` (what ``parse`` gets)."""
        raise NotImplementedError

    def sender(self, connection) -> Contact | None:
        """The contact the channel itself knows (None: resolved from the identity)."""
        return None

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        """Make the provider refuse the next ``times`` deliveries."""
        raise NotImplementedError

    def delivered(self, events: list[tuple[dict, list[str]]]) -> list[str]:
        """The message bodies the provider (or the contact's socket) accepted."""
        raise NotImplementedError


class WebchatCase(Case):
    """The website messenger: a socket frame from a contact known by their token; delivery
    is the ``messenger.entry`` push to the contact's tabs."""

    kind = "webchat"

    def connect(self, widget) -> ChannelConnection:
        self.contact = create_contact(widget.account, name="Kim")
        return ChannelConnection.objects.get(widget=widget, kind="webchat")

    def request(self, n: int, body: str = "Hallo") -> Any:
        return {"type": "message.send", "body": body, "client_id": f"client-{n}"}

    def sender(self, connection) -> Contact | None:
        return self.contact

    def delivered(self, events) -> list[str]:
        return [
            e["entry"]["message"]["html"]
            for e, _groups in events
            if e["type"] == "messenger.entry" and e["entry"]["message"]["author_kind"] != "contact"
        ]


class FakeCase(Case):
    """The test transport (``tests.transports.fakes``): the shape of every webhook channel."""

    kind = "fake"
    fixture = "fake_transport"

    def request(self, n: int, body: str = "Hallo") -> Any:
        return {"id": f"provider-{n}", "from": "kim-1", "text": body, "name": "Kim"}

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        if permanent:
            self.transport.fail_permanently()
        else:
            self.transport.fail_transiently(times)

    def delivered(self, events) -> list[str]:
        return [outbound.body for outbound in self.transport.sent]


class EmailCase(Case):
    """The e-mail channel: a raw mail from kim@example.com in, a mail through a local SMTP
    server (aiosmtpd, the ``smtp_sink`` fixture) out."""

    kind = "email"
    fixture = "smtp_sink"
    sink: Any = None

    def connect(self, widget) -> ChannelConnection:
        return ChannelConnection.objects.create(
            account=widget.account,
            widget=widget,
            kind=self.kind,
            name="Support",
            config={
                "address": "support@acme.test",
                "name": "Acme Support",
                "inbound": "webhook",
                "smtp": {"host": "127.0.0.1", "port": self.sink.port, "security": "none"},
            },
            credentials={"webhook_secret": "s3cret"},
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        return (
            "From: Kim Berg <kim@example.com>\r\n"
            "To: support@acme.test\r\n"
            "Subject: Bestellung 4711\r\n"
            f"Message-ID: <mail-{n}@example.com>\r\n"
            "Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            f"{body}\r\n"
        ).encode()

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        if permanent:
            self.sink.refuse("550 5.1.1 <kim@example.com>: Recipient address rejected", times)
        else:
            self.sink.refuse("451 4.3.0 Mailbox busy, try again later", times)

    def delivered(self, events) -> list[str]:
        return self.sink.texts()


CASES: list[type[Case]] = [WebchatCase, FakeCase, EmailCase]
