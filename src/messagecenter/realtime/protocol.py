"""Shared plumbing of the WebSocket consumers: frame parsing, errors, dispatch, limits."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from messagecenter.core.errors import DomainError

log = logging.getLogger(__name__)


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class JsonConsumer(AsyncWebsocketConsumer):
    """Parses frames into ``{"type": ...}`` objects and calls ``on_<type>`` (dots become
    underscores). Every failure answers with an ``error`` event and changes nothing."""

    handlers: tuple[str, ...] = ()
    # The setting that bounds this socket's frames (the server refuses far larger ones before
    # they are read whole, see realtime/serving.py).
    frame_limit_setting = "MESSENGER_MAX_FRAME_BYTES"

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = self._parse(text_data, bytes_data)
        except ProtocolError as exc:
            await self.send_error(exc.code, exc.message)
            return
        ref = frame.get("client_id")
        try:
            await self.dispatch_frame(frame)
        except ProtocolError as exc:
            await self.send_error(exc.code, exc.message, ref=ref)
        except DomainError as exc:
            await self.send_error(exc.code, str(exc.message), ref=ref)
        except Exception:
            log.exception("websocket frame %s failed", frame.get("type"))
            await self.send_error("internal_error", "Something went wrong; please retry.", ref=ref)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind not in self.handlers:
            raise ProtocolError("unknown_type", f"Unknown event type: {kind!r}.")
        await getattr(self, "on_" + kind.replace(".", "_"))(frame)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections in the one sync thread before EVERY handler.
        # Forwarding a channel-layer event touches no database, so it must not queue behind
        # the database work of every other socket of this process (bench/README.md).
        if message["type"] == "mc.event":
            await self.mc_event(message)
            return
        if message["type"] == "mc.resync":
            await self.mc_resync(message)
            return
        await super().dispatch(message)

    async def mc_resync(self, message: dict[str, Any]) -> None:
        """The layer dropped this socket's backlog (realtime/layer.py): the client reloads
        what it shows from the database instead of living with a silent gap."""
        await self.send_json({"type": "resync", "reason": message.get("reason", "overflow")})

    async def mc_event(self, message: dict[str, Any]) -> None:
        """A domain event addressed to a group this socket joined."""
        await self.send_json(message["event"])

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def send_error(self, code: str, message: str, ref: Any = None) -> None:
        payload: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref is not None:
            payload["client_id"] = ref
        await self.send_json(payload)

    def _parse(self, text_data, bytes_data) -> dict[str, Any]:
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode("utf-8")) > getattr(settings, self.frame_limit_setting):
            raise ProtocolError("frame_too_large", "The message is too large.")
        try:
            frame = json.loads(raw)
        except ValueError:
            raise ProtocolError("malformed", "The frame is not valid JSON.") from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise ProtocolError("malformed", "A frame must be an object with a type.")
        return frame


class RateLimit:
    """A sliding window: at most ``limit`` actions per ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0):
        self.limit, self.window = limit, window
        self.stamps: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self.stamps and now - self.stamps[0] > self.window:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return False
        self.stamps.append(now)
        return True


def text(frame: dict[str, Any], key: str, *, max_length: int = 200, required: bool = True) -> str:
    value = frame.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ProtocolError("invalid", f"{key} must be a non-empty string.")
    if len(value) > max_length:
        raise ProtocolError("invalid", f"{key} is too long.")
    return value


def seq_map(frame: dict[str, Any], key: str = "conversations") -> dict[str, int]:
    value = frame.get(key) or {}
    if not isinstance(value, dict) or len(value) > 200:
        raise ProtocolError("invalid", f"{key} must be an object of conversation id to seq.")
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int) and v >= 0}


def cached(fn):
    """Cache work of a consumer (the shared rate counters): off the event loop, but not queued
    behind the one database thread either."""
    return sync_to_async(fn, thread_sensitive=False)


def db(fn):
    """Database work of a consumer. On PostgreSQL it runs in the loop's worker pool, so the
    sockets of a process do not queue behind one thread; SQLite has one writer anyway."""
    return database_sync_to_async(fn, thread_sensitive=not settings.DATABASE_IS_POSTGRES)
