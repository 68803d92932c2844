"""Events of the notifications domain."""

from __future__ import annotations

from typing import Literal, TypedDict


class NotificationEvent(TypedDict):
    """To the recipient's own group: the bell counter and the browser notification."""

    type: Literal["notification.created"]
    notification: str
    kind: str
    conversation: str | None
    seq: int | None
    unread: int
