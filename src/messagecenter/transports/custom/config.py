"""One reader of a custom channel's settings: ``config`` (plain JSON, no secrets) and
``credentials`` (encrypted at rest: the signing secrets).

``config``::

    {"icon": "message", "webhook_url": "https://…",
     "capabilities": {"max_text_length": 4096, "media_types": ["image"],
                      "max_file_bytes": 10485760, "can_delete": true,
                      "delete_window_seconds": null, "can_edit": false,
                      "edit_window_seconds": null, "identity_kinds": ["external", "email"]}}

``credentials``: ``{"outbound": ["whsec_new", "whsec_old"], "inbound": ["whsec_…"]}``: the
first outbound secret signs (with the previous one too while a rotation runs), any inbound
secret verifies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from messagecenter.transports.base import MB, MEDIA_KINDS, Capabilities

# The icons a custom channel can show (names of team/icons/*.svg).
ICONS = ("message", "code", "phone", "mail", "at", "inbox", "users", "gear", "bell")
# Whom a custom channel can address people by (contacts.IdentityKind values).
IDENTITY_KINDS = ("external", "email", "phone")
MAX_TEXT_LENGTH = 100_000

DEFAULTS: dict[str, Any] = {
    "max_text_length": 4096,
    "media_types": [],
    "max_file_bytes": 10 * MB,
    "can_delete": False,
    "delete_window_seconds": None,
    "can_edit": False,
    "edit_window_seconds": None,
    "identity_kinds": ["external"],
}


def capability_values(connection) -> dict[str, Any]:
    """The stored capability values over the defaults (a connection saved before a value
    existed still reads as a whole record)."""
    stored = (connection.config or {}).get("capabilities") or {}
    return DEFAULTS | {k: v for k, v in stored.items() if k in DEFAULTS}


def capabilities(connection) -> Capabilities:
    values = capability_values(connection)
    return Capabilities(
        max_text_length=int(values["max_text_length"]),
        media_types=frozenset(values["media_types"]) & MEDIA_KINDS,
        max_file_bytes=values["max_file_bytes"],
        voice=False,
        calls=False,
        can_delete=bool(values["can_delete"]),
        delete_window=_window(values["delete_window_seconds"]),
        can_edit=bool(values["can_edit"]),
        edit_window=_window(values["edit_window_seconds"]),
        templates=False,
        reply_window=None,
        identity_kinds=frozenset(values["identity_kinds"]) & frozenset(IDENTITY_KINDS),
        queued_delivery=True,
    )


def _window(seconds: int | None) -> timedelta | None:
    return timedelta(seconds=int(seconds)) if seconds else None


def webhook_url(connection) -> str:
    return str((connection.config or {}).get("webhook_url") or "")


def icon(connection) -> str:
    value = (connection.config or {}).get("icon")
    return value if value in ICONS else ICONS[0]


def signing_secrets(connection) -> list[str]:
    return list((connection.credentials or {}).get("outbound") or [])


def inbound_secrets(connection) -> list[str]:
    return list((connection.credentials or {}).get("inbound") or [])
