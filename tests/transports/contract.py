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

    def __init__(self, transport: Any, helper: Any = None) -> None:
        self.transport = transport
        # What ``fixture`` gave (a fake transport, a local receiver).
        self.helper = helper

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


class CustomCase(Case):
    """A custom channel against a real HTTP receiver on 127.0.0.1 (``custom_receiver``):
    the inbound body is already verified (``transports.custom.inbound``), delivery is a
    signed POST."""

    kind = "custom"
    fixture = "custom_receiver"

    def connect(self, widget) -> ChannelConnection:
        from messagecenter.core.webhooks import new_secret

        return ChannelConnection.objects.create(
            account=widget.account,
            widget=widget,
            kind=self.kind,
            name="App",
            config={
                "icon": "phone",
                "webhook_url": self.helper.url,
                "capabilities": {
                    "max_text_length": 1000,
                    "can_delete": True,
                    "delete_window_seconds": 7200,
                    "identity_kinds": ["external"],
                },
            },
            credentials={"outbound": [new_secret()], "inbound": [new_secret()]},
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        return {"id": f"app-{n}", "contact": {"id": "kim-1", "name": "Kim"}, "text": body}

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        self.helper.script += [400] if permanent else [503] * times

    def delivered(self, events) -> list[str]:
        return [payload["text"] for payload in self.helper.accepted()]


class EmailCase(Case):
    """The e-mail channel: a raw mail from kim@example.com in, a mail through a local SMTP
    server (aiosmtpd, the ``smtp_sink`` fixture) out."""

    kind = "email"
    fixture = "smtp_sink"

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
                "smtp": {"host": "127.0.0.1", "port": self.helper.port, "security": "none"},
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
            self.helper.refuse("550 5.1.1 <kim@example.com>: Recipient address rejected", times)
        else:
            self.helper.refuse("451 4.3.0 Mailbox busy, try again later", times)

    def delivered(self, events) -> list[str]:
        return self.helper.texts()


class TelegramCase(Case):
    """Telegram against the fake Bot API on 127.0.0.1 (``telegram_api``): an update's message
    from Kim's private chat in, ``sendMessage`` out."""

    kind = "telegram"
    fixture = "telegram_api"

    def connect(self, widget) -> ChannelConnection:
        from tests.transports.telegram.fake_api import TOKEN

        return ChannelConnection.objects.create(
            account=widget.account,
            widget=widget,
            kind=self.kind,
            name="Acme Support",
            config={"bot_id": 7000001, "username": "acme_support_bot"},
            credentials={"bot_token": TOKEN, "webhook_secret": "s3cret-token"},
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        from tests.transports.telegram.updates import update

        return update(1000 + n, n, body)

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        if permanent:
            self.helper.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        else:
            self.helper.fail("sendMessage", 502, "Bad Gateway", times=times)

    def delivered(self, events) -> list[str]:
        return self.helper.texts()


class SmsCase(Case):
    """SMS against the fake Twilio REST API on 127.0.0.1 (``twilio_api``): an incoming
    message's parameters from Kim's phone in, a Message resource created out."""

    kind = "sms"
    fixture = "twilio_api"

    def connect(self, widget) -> ChannelConnection:
        from tests.transports.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, NUMBER

        return ChannelConnection.objects.create(
            account=widget.account,
            widget=widget,
            kind=self.kind,
            name="Acme Support",
            config={"account_sid": ACCOUNT_SID, "phone_number": NUMBER},
            credentials={"auth_token": AUTH_TOKEN},
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        return self.helper.incoming(body, sid=f"SM{n:032x}", sender="+491701234567")

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        if permanent:
            self.helper.fail(400, 21211, "The 'To' number is not a valid phone number.")
        else:
            self.helper.fail(503, 20500, "Service Unavailable", times=times)

    def delivered(self, events) -> list[str]:
        return self.helper.bodies()


class WhatsAppCase(Case):
    """WhatsApp against the fake Graph API on 127.0.0.1 (``whatsapp_api``): a ``messages``
    change's value with one of Kim's messages in, ``POST /<phone number id>/messages`` out."""

    kind = "whatsapp"
    fixture = "whatsapp_api"

    def connect(self, widget) -> ChannelConnection:
        from tests.transports.whatsapp.fake_api import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID

        return ChannelConnection.objects.create(
            account=widget.account,
            widget=widget,
            kind=self.kind,
            name="Acme Support",
            config={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
            credentials={"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": "v"},
        )

    def request(self, n: int, body: str = "Hallo") -> Any:
        from tests.transports.whatsapp.payloads import message, value

        return value(messages=[message(f"wamid.contract-{n}", body)])

    def fail(self, *, permanent: bool, times: int = 1) -> None:
        if permanent:
            self.helper.fail("messages", 131026)
        else:
            self.helper.fail("messages", 131000, status=500, times=times)

    def delivered(self, events) -> list[str]:
        return self.helper.texts()


CASES: list[type[Case]] = [WebchatCase, FakeCase, CustomCase, EmailCase, TelegramCase, SmsCase]
CASES += [WhatsAppCase]
