"""Kind → transport. Each transport lives in ``transports/<kind>/transport.py`` and registers
itself there on import (``register(MyTransport())``); ``get`` imports that module on first use,
so nothing below the transports ever imports a transport by name.

Kinds whose transport is not built yet keep their declared capabilities here (``PLANNED``), so
rules such as "deletion only on webchat, telegram and custom" (R-CONV-5) hold from the start;
a transport's own record replaces its entry when it registers.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from messagecenter.transports.base import MB, MEDIA_KINDS, Capabilities, Transport

_transports: dict[str, Transport] = {}


def register(transport: Transport) -> Transport:
    _transports[transport.kind] = transport
    return transport


def unregister(kind: str) -> None:
    """For tests that register a fake transport."""
    _transports.pop(kind, None)


def get(kind: str) -> Transport | None:
    """The transport of ``kind``, or None while that kind has none (only declared)."""
    if kind not in _transports:
        try:
            importlib.import_module(f"messagecenter.transports.{kind}.transport")
        except ModuleNotFoundError as error:
            if not (error.name or "").startswith("messagecenter.transports"):
                raise
    return _transports.get(kind)


def require(kind: str) -> Transport:
    """The transport of ``kind``; a kind without one is a programming error here."""
    transport = get(kind)
    if transport is None:
        raise LookupError(f"no transport is registered for {kind!r}")
    return transport


def capabilities_for(kind: str) -> Capabilities:
    transport = get(kind)
    if transport is not None:
        return transport.capabilities
    return PLANNED[kind]


def capabilities_of(connection: Any) -> Capabilities:
    """One connection's record (``Transport.capabilities_for``): what the services and the UI
    check against."""
    transport = get(connection.kind)
    if transport is not None:
        return transport.capabilities_for(connection)
    return PLANNED[connection.kind]


def _planned(**values: Any) -> Capabilities:
    defaults: dict[str, Any] = {
        "max_text_length": 20_000,
        "media_types": MEDIA_KINDS,
        "max_file_bytes": None,
        "voice": True,
        "calls": False,
        "can_delete": False,
        "delete_window": None,
        "can_edit": False,
        "edit_window": None,
        "templates": False,
        "reply_window": None,
        "identity_kinds": frozenset(),
        "queued_delivery": True,
    }
    return Capabilities(**(defaults | values))


# The channels' published limits (R-CHAN-2, R-FILE-1/2), until their transports declare them.
PLANNED: dict[str, Capabilities] = {
    "email": _planned(max_file_bytes=25 * MB, identity_kinds=frozenset({"email"})),
    "whatsapp": _planned(
        max_text_length=4096,
        max_file_bytes=16 * MB,
        templates=True,
        reply_window=timedelta(hours=24),
        identity_kinds=frozenset({"whatsapp", "phone"}),
    ),
    "telegram": _planned(
        max_text_length=4096,
        max_file_bytes=50 * MB,
        can_delete=True,
        delete_window=timedelta(hours=48),
        can_edit=True,
        edit_window=timedelta(hours=48),
        identity_kinds=frozenset({"telegram"}),
    ),
    # SMS (MMS) carries images only: JPEG, PNG, GIF (R-FILE-1); no voice (R-FILE-2).
    "sms": _planned(
        max_text_length=1600,
        media_types=frozenset({"image"}),
        max_file_bytes=5 * MB,
        voice=False,
        identity_kinds=frozenset({"phone"}),
    ),
    "custom": _planned(can_delete=True, identity_kinds=frozenset({"external"})),
}
