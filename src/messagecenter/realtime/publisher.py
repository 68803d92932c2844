"""Fan-out of domain events to WebSocket groups over the channel layer.

Services run in threads (a sync view, a Huey worker, a consumer's ``database_sync_to_async``).
The in-memory channel layer of the embedded mode only reaches sockets of its own event loop,
so when the server has bound its loop here, events are handed to that loop with
``run_coroutine_threadsafe`` — in order, without blocking the writer. Without a bound loop (a
separate Huey worker process in scale-out, or tests), the send runs in a private loop, which
is right for Redis, where every process shares the layer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by ``messagecenter serve`` (and test servers) once the event loop runs."""
    global _server_loop
    _server_loop = loop


def channel_layer_sink(event: dict[str, Any], groups: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    message = {"type": "mc.event", "event": event}

    async def send() -> None:
        for group in groups:
            await layer.group_send(group, message)

    loop = _server_loop
    if loop is not None and loop.is_running():
        if _on_loop(loop):
            loop.create_task(send())
        else:
            asyncio.run_coroutine_threadsafe(send(), loop)
        return
    async_to_sync(send)()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
