"""Baseline server for ``bench/live.py``: the minimal relay on the product's own stack.

uvicorn (the product's WebSocket settings, ``realtime/serving.py``) → a Channels consumer →
ONE SQLite insert (WAL, synchronous=NORMAL, one transaction, in Channels' database thread as
the embedded product does it) → ``group_send`` on the product's in-memory channel layer →
every operator socket. What it leaves out is exactly the product's own work per message
(rules, routing, sessions, rendering, events), so the app's figures over the relay's say what
that work costs.

A contact socket (``/ws/contact``) sends ``message.send`` frames like the messenger and gets an
``ack``; an operator socket (``/ws/operator?id=opN``) hears a ``conversation.changed`` frame for
every message, naming the assigned operator ``op<contact index mod operators>``, as the account
group does in the product. Run as ``python bench/relay_server.py --port N``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import django
from django.conf import settings

GROUP = "account"


def configure() -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="relay-baseline",
        INSTALLED_APPS=["channels"],
        DATABASES={},
        CHANNEL_LAYERS={
            "default": {"BACKEND": "messagecenter.realtime.layer.EmbeddedChannelLayer"}
        },
        # What realtime/serving.py reads.
        MESSENGER_MAX_FRAME_BYTES=64 * 1024,
        OPERATOR_MAX_FRAME_BYTES=64 * 1024,
        WS_COMPRESSION=False,
    )
    django.setup()


class Store:
    """One SQLite file with the app's durability settings, used from one thread only."""

    def __init__(self, folder: Path) -> None:
        self.conn = sqlite3.connect(
            folder / "relay.sqlite3", isolation_level=None, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE message (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,"
            " client_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)"
        )

    def insert(self, conversation: int, client_id: str, body: str) -> int:
        self.conn.execute("BEGIN IMMEDIATE")
        cursor = self.conn.execute(
            "INSERT INTO message (conversation, client_id, body, created_at) VALUES (?, ?, ?, ?)",
            (conversation, client_id, body, datetime.now(UTC).isoformat()),
        )
        self.conn.execute("COMMIT")
        return cursor.lastrowid or 0


def build_application(store: Store, operators: int):
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import URLRouter
    from django.urls import path

    insert = database_sync_to_async(store.insert)

    class ContactRelay(AsyncWebsocketConsumer):
        async def connect(self) -> None:
            query = parse_qs(self.scope["query_string"].decode())
            self.index = int(query.get("i", ["0"])[0])
            await self.accept()

        async def receive(self, text_data=None, bytes_data=None) -> None:
            frame = json.loads(text_data or "{}")
            body, client_id = frame.get("body", ""), frame.get("client_id", "")
            await insert(self.index, client_id, body)
            await self.send(text_data=json.dumps({"type": "ack", "client_id": client_id}))
            event = {
                "type": "conversation.changed",
                "kind": "message",
                "conversation": f"cv{self.index}",
                "assigned_operator": f"op{self.index % operators}",
                "preview": body[:80],
            }
            await self.channel_layer.group_send(
                GROUP, {"type": "relay.event", "text": json.dumps(event, separators=(",", ":"))}
            )

    class OperatorRelay(AsyncWebsocketConsumer):
        async def connect(self) -> None:
            await self.channel_layer.group_add(GROUP, self.channel_name)
            await self.accept()
            await self.send(text_data=json.dumps({"type": "hello"}))

        async def disconnect(self, code) -> None:
            await self.channel_layer.group_discard(GROUP, self.channel_name)

        async def relay_event(self, message) -> None:
            await self.send(text_data=message["text"])

    return URLRouter(
        [path("ws/contact", ContactRelay.as_asgi()), path("ws/operator", OperatorRelay.as_asgi())]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--operators", type=int, default=20)
    options = parser.parse_args()
    configure()
    import uvicorn

    from messagecenter.realtime.serving import uvicorn_options

    with tempfile.TemporaryDirectory(prefix="mc-bench-relay-") as folder:
        app = build_application(Store(Path(folder)), options.operators)
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=options.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            backlog=4096,
            **uvicorn_options(),
        )


if __name__ == "__main__":
    main()
