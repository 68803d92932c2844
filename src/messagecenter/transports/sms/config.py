"""One reader of an SMS connection's settings.

``config`` (plain JSON, no secrets): ``{"account_sid": "AC…", "phone_number": "+4930…"}`` or
``{"account_sid": "AC…", "messaging_service_sid": "MG…"}`` (the other key empty;
``"phone_number_sid": "PN…"`` with a number), ``"api_key_sid": "SK…"`` when the
REST calls use an API key, ``"log_only": true`` while signatures are only logged (roll-out),
and ``"account_name"`` (what Twilio answered when it was connected).

``credentials`` (encrypted at rest, never rendered or logged): ``{"auth_token": "…",
"api_key_secret": "…"}``. The auth token is always there: Twilio signs every webhook request
with it, even where the REST calls use an API key.
"""

from __future__ import annotations

from django.conf import settings

from messagecenter.transports.sms.api import Credentials, TwilioApi


def _config(connection) -> dict:
    return connection.config or {}


def _secrets(connection) -> dict:
    return connection.credentials or {}


def account_sid(connection) -> str:
    return str(_config(connection).get("account_sid") or "")


def auth_token(connection) -> str:
    return str(_secrets(connection).get("auth_token") or "")


def phone_number(connection) -> str:
    return str(_config(connection).get("phone_number") or "")


def messaging_service_sid(connection) -> str:
    return str(_config(connection).get("messaging_service_sid") or "")


def number_sid(connection) -> str:
    """The phone number's PN… sid at Twilio (whose webhook connecting set)."""
    return str(_config(connection).get("phone_number_sid") or "")


def api_key_sid(connection) -> str:
    return str(_config(connection).get("api_key_sid") or "")


def log_only(connection) -> bool:
    return _config(connection).get("log_only") is True


def sender(connection) -> str:
    """What the settings list shows: the number or the Messaging Service."""
    return phone_number(connection) or messaging_service_sid(connection)


def credentials(connection) -> Credentials:
    return Credentials(
        account_sid=account_sid(connection),
        auth_token=auth_token(connection),
        api_key_sid=api_key_sid(connection),
        api_key_secret=str(_secrets(connection).get("api_key_secret") or ""),
    )


def api(connection) -> TwilioApi:
    return TwilioApi(credentials(connection))


def inbound_url(connection) -> str:
    """Where Twilio posts incoming messages: one URL per connection (for a number, or for
    every number of a Messaging Service), holding our public id and no secret."""
    return f"{settings.PUBLIC_URL}/channels/sms/{connection.public_id}/inbound"


def status_url(connection) -> str:
    """The StatusCallback of every message we send."""
    return f"{settings.PUBLIC_URL}/channels/sms/{connection.public_id}/status"
