"""Webhooks as Meta posts them (Cloud API webhook reference, with the 2026 business-scoped
user ids): a ``messages`` change with contacts[] and messages[] or statuses[], echoes and
preferences. Builders, so a test names only what it is about."""

from __future__ import annotations

from typing import Any

from tests.transports.whatsapp.fake_api import PHONE_NUMBER_ID, WABA_ID

USER_ID = "DE.13491208655302741918"
PARENT_ID = "DE.ENT.11815799212886844830"
PHONE = "4915123456789"
NAME = "Kim Berg"
TS = "1772442000"  # 2026-03-02 09:00 UTC, the clock fixture's instant


def contact(user_id: str | None = USER_ID, phone: str | None = PHONE, name: str = NAME,
            username: str | None = None) -> dict[str, Any]:  # fmt: skip
    profile: dict[str, Any] = {"name": name}
    if username:
        profile["username"] = username
    data: dict[str, Any] = {"profile": profile}
    if phone:
        data["wa_id"] = phone
    if user_id:
        data["user_id"] = user_id
        data["parent_user_id"] = PARENT_ID
    return data


def message(wamid: str, text: str | None = "Hallo", *, user_id: str | None = USER_ID,
            phone: str | None = PHONE, **extra) -> dict[str, Any]:  # fmt: skip
    data: dict[str, Any] = {"id": wamid, "timestamp": TS, "type": "text"}
    if phone:
        data["from"] = phone
    if user_id:
        data["from_user_id"] = user_id
    if text is not None:
        data["text"] = {"body": text}
    return data | extra


def value(*, messages=(), statuses=(), contacts=None, **extra) -> dict[str, Any]:
    data: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "49301234567", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        data["contacts"] = contacts if contacts is not None else [contact()]
        data["messages"] = list(messages)
    if statuses:
        data["statuses"] = list(statuses)
    return data | extra


def webhook(*changes: tuple[str, dict[str, Any]], entries: int = 1) -> dict[str, Any]:
    """One payload; ``changes`` as (field, value), all in each of ``entries`` entries when
    more than one is asked for, else in one."""
    change_list = [{"field": field, "value": v} for field, v in changes]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": change_list} for _ in range(entries)],
    }


def text(wamid: str, body: str = "Hallo", **kwargs) -> dict[str, Any]:
    return webhook(("messages", value(messages=[message(wamid, body, **kwargs)])))


def status(wamid: str, state: str, *, errors=None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": wamid, "status": state, "timestamp": TS,
                            "recipient_id": PHONE, "recipient_user_id": USER_ID}  # fmt: skip
    if errors:
        data["errors"] = errors
    return data


def statuses(*items: dict[str, Any]) -> dict[str, Any]:
    return webhook(("messages", value(statuses=items)))
