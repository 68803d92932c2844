"""Connecting an e-mail channel to a widget: the only writer of e-mail ``ChannelConnection``s.

The settings page hands over the form's values (``EmailSettings``); this module turns them
into the stored layout (``config.py``: plain ``config``, encrypted ``credentials``), checks
them with ``EmailConfig.from_data`` before anything is saved, and writes an audit entry that
names the fields touched, never their values. Passwords are write-only: an empty password
keeps the stored one. The inbound webhook's secret is generated here and returned once.

The connection belongs to its widget like the widget's messenger does, so the widget's
operator group, conversation timeout and auto-end apply to its conversations unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.transports.email import imap, smtp
from messagecenter.transports.email.config import INBOUND_MODES, EmailConfig
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

SECRET_BYTES = 32
TEST_TIMEOUT = 10.0  # seconds per server for Test connection


@dataclass(frozen=True)
class EmailSettings:
    """What an administrator enters for one e-mail channel. Empty passwords: keep the stored."""

    address: str
    name: str = ""
    inbound: str = "imap"
    imap_host: str = ""
    imap_port: int | None = None
    imap_security: str = "ssl"
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""

    @classmethod
    def of(cls, connection: ChannelConnection) -> EmailSettings:
        """The stored settings, for the edit form (passwords left empty: never shown)."""
        config = connection.config or {}
        imap_, smtp_ = config.get("imap") or {}, config.get("smtp") or {}
        return cls(
            address=config.get("address", ""),
            name=config.get("name", ""),
            inbound=config.get("inbound", "imap"),
            imap_host=imap_.get("host", ""),
            imap_port=imap_.get("port"),
            imap_security=imap_.get("security", "ssl"),
            imap_username=imap_.get("username", ""),
            imap_folder=imap_.get("folder", "INBOX"),
            smtp_host=smtp_.get("host", ""),
            smtp_port=smtp_.get("port"),
            smtp_security=smtp_.get("security", "starttls"),
            smtp_username=smtp_.get("username", ""),
        )

    def as_initial(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if "password" not in f.name}


@dataclass(frozen=True)
class Connected:
    connection: ChannelConnection
    # The inbound webhook's secret when it was just made: shown once, then only its use.
    new_webhook_secret: str = ""


def connect_email(widget: Widget, data: EmailSettings, *, actor: Actor) -> Connected:
    """Attach an e-mail channel to ``widget``."""
    _require_admin(actor, widget.account_id)
    secret = secrets.token_urlsafe(SECRET_BYTES) if data.inbound == "webhook" else ""
    config, credentials = _layout(data, {"webhook_secret": secret} if secret else {})
    _check_address(widget.account_id, config["address"], exclude=None)
    with transaction.atomic():
        connection = ChannelConnection.objects.create(
            account_id=widget.account_id,
            widget=widget,
            kind=TransportKind.EMAIL,
            name=config["name"][:100],
            config=config,
            credentials=credentials,
        )
        audit.record(
            actor,
            "channel.connected",
            "channel",
            connection.public_id,
            kind="email",
            widget=widget.public_id,
        )
    return Connected(connection, secret)


def update_email(connection: ChannelConnection, data: EmailSettings, *, actor: Actor) -> Connected:
    """Change an e-mail channel's settings; passwords left empty keep the stored ones."""
    _require_email(connection, actor)
    before = dict(connection.credentials or {})
    stored = dict(before)
    secret = ""
    if data.inbound == "webhook" and not stored.get("webhook_secret"):
        secret = stored["webhook_secret"] = secrets.token_urlsafe(SECRET_BYTES)
    config, credentials = _layout(data, stored)
    _check_address(connection.account_id, config["address"], exclude=connection.pk)
    old_config = connection.config or {}
    changed = sorted(
        {k for k in config.keys() | old_config.keys() if config.get(k) != old_config.get(k)}
        | {k for k in credentials.keys() | before.keys() if credentials.get(k) != before.get(k)}
    )
    with transaction.atomic():
        connection.config, connection.credentials = config, credentials
        connection.name = config["name"][:100]
        connection.save(update_fields=["config", "credentials", "name"])
        audit.record(actor, "channel.updated", "channel", connection.public_id, fields=changed)
    return Connected(connection, secret)


def new_webhook_secret(connection: ChannelConnection, *, actor: Actor) -> str:
    """Replace the inbound webhook's secret (the old one stops working); returned once."""
    _require_email(connection, actor)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        connection.credentials = {**(connection.credentials or {}), "webhook_secret": secret}
        connection.save(update_fields=["credentials"])
        audit.record(actor, "channel.secret_rotated", "channel", connection.public_id)
    return secret


def disconnect(connection: ChannelConnection, *, actor: Actor) -> ChannelConnection:
    """Deactivate a channel: no more mail in or out; its conversations stay. The website
    messenger belongs to its widget and cannot be disconnected."""
    _require_admin(actor, connection.account_id)
    if connection.kind == TransportKind.WEBCHAT:
        raise ValidationFailed(_("The website messenger cannot be disconnected."))
    with transaction.atomic():
        connection.is_active = False
        connection.save(update_fields=["is_active"])
        audit.record(
            actor, "channel.disconnected", "channel", connection.public_id, kind=connection.kind
        )
    return connection


def test_connection(
    data: EmailSettings, connection: ChannelConnection | None = None
) -> dict[str, str | None]:
    """Try the servers as entered (stored passwords fill empty fields): ``{"imap": None,
    "smtp": "… refused the login of 'x': check the user name and password …"}``; None means
    it works. Reasons come from ``imap``/``smtp``, which never include the password."""
    stored = dict(connection.credentials or {}) if connection is not None else {}
    config, credentials = _layout(data, stored)
    settings = EmailConfig.from_data(config, credentials)
    # An administrator waits for the answer: a dead host is reported within seconds.
    results: dict[str, str | None] = {}
    if settings.imap is not None:
        quick = replace(settings.imap, connect_timeout=TEST_TIMEOUT, read_timeout=TEST_TIMEOUT)
        results["imap"] = imap.test_connection(quick)
    if settings.smtp is not None:
        results["smtp"] = smtp.test_connection(replace(settings.smtp, timeout=TEST_TIMEOUT))
    return results


test_connection.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test


# --- the stored layout ---------------------------------------------------------------------------


def _layout(data: EmailSettings, stored: dict[str, Any]) -> tuple[dict, dict]:
    """``config`` and ``credentials`` as ``config.py`` reads them; validated the same way."""
    if data.inbound not in INBOUND_MODES:
        raise ValidationFailed(_("Choose how mail comes in."), field="inbound")
    address = data.address.strip().lower()
    config: dict[str, Any] = {
        "address": address,
        "name": (data.name or "").strip() or address,
        "inbound": data.inbound,
        "smtp": _server(data.smtp_host, data.smtp_port, data.smtp_security, data.smtp_username),
    }
    if data.inbound == "imap":
        config["imap"] = _server(
            data.imap_host, data.imap_port, data.imap_security, data.imap_username
        ) | {"folder": (data.imap_folder or "INBOX").strip()}
    credentials = {
        "imap_password": data.imap_password or stored.get("imap_password", ""),
        "smtp_password": data.smtp_password or stored.get("smtp_password", ""),
        "webhook_secret": stored.get("webhook_secret", ""),
    }
    credentials = {k: v for k, v in credentials.items() if v}
    if not config["smtp"]:
        raise ValidationFailed(_("The channel needs its SMTP server."), field="smtp_host")
    EmailConfig.from_data(config, credentials)  # the transport's and the worker's reading
    return config, credentials


def _server(host: str, port: int | None, security: str, username: str) -> dict[str, Any]:
    host = (host or "").strip()
    if not host:
        return {}
    section: dict[str, Any] = {"host": host, "security": security, "username": username.strip()}
    if port:
        if not 1 <= int(port) <= 65535:
            raise ValidationFailed(_("A port is a number between 1 and 65535."))
        section["port"] = int(port)
    return section


def _check_address(account_id: int, address: str, *, exclude: int | None) -> None:
    """One active channel per address: two would fetch and answer the same mailbox."""
    taken = ChannelConnection.objects.filter(
        account_id=account_id, kind=TransportKind.EMAIL, is_active=True, config__address=address
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationFailed(
            _("Another channel already uses %(address)s.") % {"address": address}, field="address"
        )


def _require_admin(actor: Actor, account_id: int) -> None:
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))


def _require_email(connection: ChannelConnection, actor: Actor) -> None:
    _require_admin(actor, connection.account_id)
    if connection.kind != TransportKind.EMAIL:
        raise NotFound(_("Not found."))
