"""A local SMTP server (aiosmtpd) that keeps what it accepts and refuses on cue: the provider
of the e-mail channel's delivery tests (the contract suite, the settings page)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from .servers import free_port


class SmtpSink:
    """``refuse(answer, times)``: the next ``times`` mails get ``answer`` (e.g. "451 …") at
    RCPT. ``messages``: the mails accepted, parsed."""

    def __init__(self, login: str = "", password: str = "") -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self.script: list[str] = []
        self.login, self.password = login, password
        auth = (
            {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
            if login
            else {}
        )
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port(), **auth)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (self.login.encode(), self.password.encode())
        return AuthResult(success=ok, handled=False)  # refused: a 535

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def refuse(self, answer: str, times: int = 1) -> None:
        self.script += [answer] * times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.script:
            return self.script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 2.0.0 Message accepted"

    def texts(self) -> list[str]:
        return [m.get_body(("plain",)).get_content().strip() for m in self.messages]
