"""Scale-out proof: two ASGI processes on PostgreSQL + Redis; a contact on process A and an
operator on process B talk live both ways (ARCHITECTURE "Two ways to run")."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from websockets.sync.client import connect

from tests.realtime.conftest import receive, send

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scale_env(tmp_path):
    name = f"mc_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messagecenter.settings",
        "DATABASE_URL": f"{PG}/{name}",
        "REDIS_URL": REDIS,
        "MC_DATA_DIR": str(tmp_path),
        "MC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MC_TESTING", None)
    yield env
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_process(env, port):
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "messagecenter.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)  # waiting for a process to boot, not for a rule
    process.terminate()
    raise RuntimeError("server did not start")


def test_contact_on_a_and_operator_on_b_talk_live(scale_env):
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.e2e.seed_scaleout"],
        env=scale_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    facts = json.loads(seeded.stdout.strip().splitlines()[-1])
    port_a, port_b = free_port(), free_port()
    processes = [start_process(scale_env, port_a), start_process(scale_env, port_b)]
    try:
        origin = f"http://127.0.0.1:{port_b}"
        operator = connect(
            f"ws://127.0.0.1:{port_b}/ws/operator",
            origin=origin,
            additional_headers={"Cookie": f"mc_session={facts['session']}"},
        )
        receive(operator, "hello")
        contact = connect(
            f"ws://127.0.0.1:{port_a}/ws/messenger/{facts['widget']}",
            origin=f"http://127.0.0.1:{port_a}",
        )
        send(contact, type="hello")
        receive(contact, "welcome")

        send(contact, type="message.send", body="Hallo von Prozess A", client_id="a1")
        conversation = receive(contact, "ack")["conversation"]
        changed = receive(operator, "conversation.changed", timeout=10)
        assert changed["preview"] == "Hallo von Prozess A"
        assert changed["summary"]["is_live"] is True

        send(operator, type="subscribe", conversation=conversation, after=0)
        receive(operator, "timeline.batch")
        send(
            operator,
            type="message.send",
            conversation=conversation,
            body="Antwort von B",
            client_id="b1",
        )
        reply = receive(
            contact,
            "messenger.entry",
            timeout=10,
            where=lambda f: f["entry"]["message"]["author_kind"] == "operator",
        )
        assert reply["entry"]["message"]["html"] == "<p>Antwort von B</p>"

        send(contact, type="message.send", body="Danke", client_id="a2")
        live = receive(
            operator,
            "timeline.entry",
            timeout=10,
            where=lambda f: (
                f["entry"]["kind"] == "message" and f["entry"]["message"]["body"] == "Danke"
            ),
        )
        assert live["conversation"] == conversation
        operator.close()
        contact.close()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
