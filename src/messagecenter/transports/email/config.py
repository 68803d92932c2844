"""An e-mail channel's settings, as stored on its ``ChannelConnection``.

``config`` (plain JSON, shown in Settings › Channels) holds everything but secrets;
``credentials`` (encrypted at rest, ``core/secrets.py``, write-only in the UI) holds the
passwords and the inbound webhook secret. This module is the one place that knows the layout,
so the inbound worker, the transport and the settings page read and write it the same way::

    config = {
        "address": "support@acme.example",       # what we send as (From) and receive at
        "name": "Acme Support",                  # the sender name ("Anna via Acme Support")
        "reply_pattern": "{local}+{token}@{domain}",
        "inbound": "imap",                       # "imap" (we fetch) or "webhook" (raw MIME POST)
        "imap": {"host": …, "port": 993, "security": "ssl", "username": …,
                 "folder": "INBOX", "poll_interval": 60},
        "smtp": {"host": …, "port": 587, "security": "starttls", "username": …},
    }
    credentials = {"imap_password": …, "smtp_password": …, "webhook_secret": …}

The mailbox position (UIDVALIDITY and last UID) is state, not configuration: it lives on its
own row (the inbound side's model), never in ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed
from messagecenter.transports.email.compose import DEFAULT_REPLY_PATTERN, ChannelIdentity
from messagecenter.transports.email.imap import ImapSettings, Security
from messagecenter.transports.email.smtp import SmtpSettings

INBOUND_MODES = ("imap", "webhook")
_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
}


@dataclass(frozen=True)
class EmailConfig:
    identity: ChannelIdentity
    inbound: str
    imap: ImapSettings | None
    smtp: SmtpSettings | None
    webhook_secret: str = field(repr=False)

    @classmethod
    def of(cls, connection) -> EmailConfig:
        """The settings of an e-mail ``ChannelConnection`` (raises ``ValidationFailed`` with
        an operator-readable message when they are incomplete)."""
        return cls.from_data(connection.config or {}, connection.credentials or {})

    @classmethod
    def from_data(cls, config: dict[str, Any], credentials: dict[str, Any]) -> EmailConfig:
        address = str(config.get("address") or "").strip()
        if "@" not in address:
            raise ValidationFailed(
                _("The channel needs the e-mail address it sends and receives as.")
            )
        inbound = config.get("inbound") or "imap"
        if inbound not in INBOUND_MODES:
            raise ValidationFailed(_("Unknown inbound mode %(mode)r.") % {"mode": inbound})
        identity = ChannelIdentity(
            address=address,
            name=str(config.get("name") or address),
            reply_pattern=str(config.get("reply_pattern") or DEFAULT_REPLY_PATTERN),
        )
        return cls(
            identity=identity,
            inbound=inbound,
            imap=_imap(config.get("imap"), credentials) if inbound == "imap" else None,
            smtp=_smtp(config.get("smtp"), credentials),
            webhook_secret=str(credentials.get("webhook_secret") or ""),
        )


def _server(section: Any, kind: str) -> tuple[dict[str, Any], str, Security, int]:
    if not isinstance(section, dict) or not section.get("host"):
        raise ValidationFailed(_("The channel needs its %(kind)s server.") % {"kind": kind.upper()})
    try:
        security = Security(section.get("security") or "ssl")
        port = int(section.get("port") or _PORTS[kind][security.value])
    except ValueError:
        message = _("The %(kind)s security or port is not valid.") % {"kind": kind.upper()}
        raise ValidationFailed(message) from None
    return section, str(section["host"]).strip(), security, port


def _imap(section: Any, credentials: dict[str, Any]) -> ImapSettings:
    section, host, security, port = _server(section, "imap")
    return ImapSettings(
        host=host,
        port=port,
        security=security,
        username=str(section.get("username") or ""),
        password=str(credentials.get("imap_password") or ""),
        folder=str(section.get("folder") or "INBOX"),
        poll_interval=float(section.get("poll_interval") or 60),
    )


def _smtp(section: Any, credentials: dict[str, Any]) -> SmtpSettings | None:
    if not section:
        return None  # receive only: replies cannot be sent (the transport refuses them)
    section, host, security, port = _server(section, "smtp")
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=str(section.get("username") or ""),
        password=str(credentials.get("smtp_password") or ""),
    )
