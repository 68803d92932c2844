"""ASGI lifespan: bind the server's event loop for the event publisher at start-up.

Any ASGI server that speaks lifespan (uvicorn does) thereby routes events raised in worker
threads onto its loop, which the in-memory channel layer of the embedded mode requires.
"""

from __future__ import annotations

import asyncio

from messagecenter.realtime.publisher import bind_server_loop


async def lifespan(scope, receive, send) -> None:
    while True:
        try:
            message = await receive()
        except asyncio.CancelledError:
            # A forced exit (second Ctrl-C) cancels us without a shutdown event: unbind quietly.
            bind_server_loop(None)
            return
        if message["type"] == "lifespan.startup":
            bind_server_loop(asyncio.get_running_loop())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            bind_server_loop(None)
            await send({"type": "lifespan.shutdown.complete"})
            return
