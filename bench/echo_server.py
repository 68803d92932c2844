"""Baseline server for ``bench/live.py``: a raw WebSocket echo server (``websockets``, uvloop).

It answers every frame with the same frame, with the same compression defaults a browser
negotiates with the app, so its round trip is the floor under the app's delivery latency on
this machine. Prints ``ready`` once listening; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal

from websockets.asyncio.server import serve


async def echo(ws) -> None:
    with contextlib.suppress(Exception):
        async for frame in ws:
            await ws.send(frame)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(echo, "127.0.0.1", port, ping_interval=20, max_queue=32, backlog=4096):
        print("ready", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(main(options.port))
