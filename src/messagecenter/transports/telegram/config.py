"""One reader of a Telegram connection's settings.

``config`` (plain JSON, no secrets): ``{"bot_id": 123456789, "username": "acme_bot",
"name": "Acme Support"}`` (what ``getMe`` answered when it was connected).

``credentials`` (encrypted at rest, never rendered or logged): ``{"bot_token": "123:AA…",
"webhook_secret": "…"}``; the secret is what ``setWebhook`` was given as ``secret_token`` and
what every update must carry in ``X-Telegram-Bot-Api-Secret-Token``.
"""

from __future__ import annotations

from django.conf import settings

from messagecenter.transports.telegram.api import BotApi


def token(connection) -> str:
    return str((connection.credentials or {}).get("bot_token") or "")


def webhook_secret(connection) -> str:
    return str((connection.credentials or {}).get("webhook_secret") or "")


def username(connection) -> str:
    return str((connection.config or {}).get("username") or "")


def bot_id(connection) -> int | None:
    value = (connection.config or {}).get("bot_id")
    return value if isinstance(value, int) else None


def api(connection) -> BotApi:
    return BotApi(token(connection))


def webhook_url(connection) -> str:
    """Where Telegram posts this connection's updates: our public id, never the token."""
    return f"{settings.PUBLIC_URL}/channels/telegram/{connection.public_id}/webhook"


def bot_link(connection, payload: str = "") -> str:
    """``https://t.me/<bot>`` (with ``?start=<payload>``: a deep link)."""
    name = username(connection)
    if not name:
        return ""
    return f"https://t.me/{name}" + (f"?start={payload}" if payload else "")
