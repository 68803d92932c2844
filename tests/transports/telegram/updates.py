"""Updates as Telegram posts them (https://core.telegram.org/bots/api#update): a private
chat's ``message`` and ``edited_message``, with text, a photo, a document, a voice message."""

from __future__ import annotations

from typing import Any

USER = {"id": 51234567, "is_bot": False, "first_name": "Kim", "last_name": "Berg",
        "username": "kimberg", "language_code": "de"}  # fmt: skip
DATE = 1772442000  # 2026-03-02 09:00 UTC, the clock fixture's instant


def chat(user: dict[str, Any] = USER) -> dict[str, Any]:
    return {"id": user["id"], "first_name": user["first_name"], "username": user.get("username"),
            "type": "private"}  # fmt: skip


def message(message_id: int, text: str | None = "Hallo", *, user=USER, **extra) -> dict[str, Any]:
    data: dict[str, Any] = {"message_id": message_id, "from": user, "chat": chat(user),
                            "date": DATE}  # fmt: skip
    if text is not None:
        data["text"] = text
    return data | extra


def update(update_id: int, message_id: int, text: str | None = "Hallo", **extra) -> dict:
    return {"update_id": update_id, "message": message(message_id, text, **extra)}


def edit(update_id: int, message_id: int, text: str, *, edit_date: int = DATE + 60) -> dict:
    edited = message(message_id, text, edit_date=edit_date)
    return {"update_id": update_id, "edited_message": edited}


def group_update(update_id: int, message_id: int) -> dict:
    data = message(message_id, "Hallo Gruppe")
    data["chat"] = {"id": -100123, "title": "Kunden", "type": "supergroup"}
    return {"update_id": update_id, "message": data}


def photo(file_id: str, size: int) -> list[dict[str, Any]]:
    return [
        {"file_id": file_id + "-s", "file_unique_id": "s", "width": 90, "height": 90,
         "file_size": 1000},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960,
         "file_size": size},
    ]  # fmt: skip
