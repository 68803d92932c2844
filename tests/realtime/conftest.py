"""A real ASGI server (uvicorn, in a thread of the test process) for WebSocket tests.

It serves the test database and binds its event loop for the event publisher exactly as
``messagecenter serve`` does, so events raised in other threads (services called by the test,
Huey tasks) travel the embedded path: worker thread -> server loop -> in-memory layer -> socket.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest
import uvicorn
from django.test import Client
from websockets.sync.client import connect

from messagecenter.realtime.publisher import bind_server_loop

ORIGIN = "http://127.0.0.1:8000"


class LiveAsgi:
    def __init__(self):
        from messagecenter.asgi import application

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        from messagecenter.realtime.serving import uvicorn_options

        # The server's own WebSocket settings, as ``messagecenter serve`` runs them.
        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", **uvicorn_options()
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))

    def start(self):
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        bind_server_loop(self.loop)

    def stop(self):
        bind_server_loop(None)
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def ws(self, path: str, *, origin: str = ORIGIN, cookie: str | None = None):
        headers = {"Cookie": cookie} if cookie else {}
        return connect(
            f"ws://127.0.0.1:{self.port}{path}",
            origin=origin,
            additional_headers=headers,
            open_timeout=5,
        )


@pytest.fixture
def asgi_server(transactional_db):
    server = LiveAsgi()
    server.start()
    yield server
    server.stop()


def session_cookie(operator) -> str:
    client = Client()
    client.force_login(operator)
    return f"mc_session={client.cookies['mc_session'].value}"


def receive(ws, type_: str, timeout: float = 5.0, where=None) -> dict:
    """The next frame of ``type_`` (matching ``where``, if given); others are skipped."""
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] == type_ and (where is None or where(frame)):
            return frame


def send(ws, **frame) -> None:
    ws.send(json.dumps(frame))
