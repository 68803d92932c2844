"""One reader of a WhatsApp connection's settings.

``config`` (plain JSON, no secrets): ``{"phone_number_id": "1065…", "waba_id": "1022…",
"display_phone_number": "+49 30 1234567", "verified_name": "Acme Support"}`` (what the Graph
API answered when it was connected).

``credentials`` (encrypted at rest, never rendered or logged): ``{"access_token": "EAAG…",
"app_secret": "…", "verify_token": "…"}``. The app secret signs every webhook POST
(``X-Hub-Signature-256``); the verify token is ours, shown once on the settings page for
Meta's webhook set-up, and answered back in the verification handshake.
"""

from __future__ import annotations

from django.conf import settings

from messagecenter.transports.whatsapp.api import GraphApi


def _secret(connection, name: str) -> str:
    return str((connection.credentials or {}).get(name) or "")


def token(connection) -> str:
    return _secret(connection, "access_token")


def app_secret(connection) -> str:
    return _secret(connection, "app_secret")


def verify_token(connection) -> str:
    return _secret(connection, "verify_token")


def phone_number_id(connection) -> str:
    return str((connection.config or {}).get("phone_number_id") or "")


def waba_id(connection) -> str:
    return str((connection.config or {}).get("waba_id") or "")


def display_number(connection) -> str:
    return str((connection.config or {}).get("display_phone_number") or "")


def api(connection) -> GraphApi:
    return GraphApi(token(connection))


def webhook_url(connection) -> str:
    """Where Meta posts this connection's webhooks: our public id, no secret."""
    return f"{settings.PUBLIC_URL}/channels/whatsapp/{connection.public_id}/webhook"
