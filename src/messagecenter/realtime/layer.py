"""The embedded mode's channel layer: Channels' in-memory layer, made to slow down instead of
dropping.

Channels' ``InMemoryChannelLayer`` silently loses events in two ways that a support team feels
within a shift: a socket whose queue holds ``capacity`` (100) events misses every further event
(``ChannelFull`` is swallowed by ``group_send``), and a socket with an event older than
``expiry`` (60 s) in its queue is quietly removed from ALL its groups, so it never hears
anything again until it reconnects. Both happen exactly when the server is busy.

Here a socket stays in its groups however far behind it is, and a queue that overflows is
replaced by one ``mc.resync`` message: the consumer tells its client ``{"type": "resync"}`` and
the client reloads what it shows from the database (which it can, because every push is only a
hint, docs/realtime.md). Nothing is lost silently; a slow client gets a gap it is told about.

Events are also fanned out without a task and a deep copy per socket: the publisher's payloads
are fresh JSON round-trips that consumers only read.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.layers import InMemoryChannelLayer

RESYNC = {"type": "mc.resync", "reason": "overflow"}


class EmbeddedChannelLayer(InMemoryChannelLayer):
    def __init__(self, capacity: int = 1000, **kwargs: Any):
        super().__init__(capacity=capacity, **kwargs)
        self.overflows = 0

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self.require_valid_channel_name(channel)
        self._put(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.require_valid_group_name(group)
        for channel in list(self.groups.get(group, ())):
            self._put(channel, message)

    def _clean_expired(self) -> None:
        # Group membership ends when a consumer leaves (group_discard on disconnect), never
        # because its socket was slow: no message ages out of a queue here.
        return

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            self._overflow(queue)

    def _overflow(self, queue: asyncio.Queue) -> None:
        """The socket is ``capacity`` events behind: drop its backlog for one resync."""
        self.overflows += 1
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait((time.time() + self.expiry, RESYNC))
