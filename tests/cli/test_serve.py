"""``messagecenter serve``: the embedded server, its job consumer and the event loop binding."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import stat
import threading
import time

import httpx
import pytest
from django.contrib.auth.hashers import check_password
from django.test import override_settings
from huey import MemoryHuey, SqliteHuey
from huey.contrib.djhuey import HUEY

from messagecenter.conversations import tasks
from messagecenter.realtime import publisher
from messagecenter.server import EmbeddedConsumer, ServeOptions, _uvicorn_config, jobs_in_process
from tests.cli.procs import Server


@pytest.mark.parametrize(
    ("embedded", "with_jobs", "no_jobs", "expected"),
    [
        (True, False, False, True),  # embedded: the consumer runs in the server
        (False, False, False, False),  # scale-out: `messagecenter worker` runs it
        (False, True, False, True),  # scale-out with --with-jobs
        (True, False, True, False),  # --no-embedded-jobs
    ],
)
def test_the_consumer_runs_in_the_server_in_embedded_mode_only(
    embedded, with_jobs, no_jobs, expected
):
    assert jobs_in_process(embedded=embedded, with_jobs=with_jobs, no_jobs=no_jobs) is expected


def test_serve_runs_the_asgi_application_with_lifespan_on():
    """Lifespan "on": a failing startup (e.g. the loop binding) stops the server rather than
    being logged and ignored."""
    config = _uvicorn_config(ServeOptions(port=8123))
    assert config.lifespan == "on"
    assert (config.host, config.port) == ("127.0.0.1", 8123)


async def test_lifespan_startup_binds_the_server_loop_for_the_publisher():
    """GIVEN the served application WHEN the server starts and stops THEN the publisher knows
    the server's loop in between, so events from job threads reach the in-memory layer."""
    app = _uvicorn_config(ServeOptions()).app
    inbox: asyncio.Queue = asyncio.Queue()
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    task = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))
    await inbox.put({"type": "lifespan.startup"})
    await asyncio.sleep(0.01)
    assert publisher._server_loop is asyncio.get_running_loop()
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(task, 1)
    assert publisher._server_loop is None
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_embedded_consumer_runs_jobs_in_threads_and_leaves_signals_to_the_server():
    huey = MemoryHuey("embedded-test", immediate=False)
    done = threading.Event()

    @huey.task()
    def job():
        done.set()

    before = signal.getsignal(signal.SIGINT)
    consumer = EmbeddedConsumer(huey, workers=2, worker_type="thread", periodic=True)
    consumer.start()
    try:
        assert signal.getsignal(signal.SIGINT) is before
        job()
        assert done.wait(5), "the job did not run in a worker thread"
    finally:
        consumer.stop(graceful=True)
    assert not any(t.is_alive() for _, t in consumer.worker_threads)


@pytest.mark.e2e
def test_serve_prints_a_working_login_and_stops_cleanly_on_ctrl_c(tmp_path):
    """GIVEN an empty data folder WHEN `messagecenter serve` starts THEN it migrates, seeds the
    demo, answers /healthz and /readyz, prints a login that signs in, and on Ctrl-C exits 0
    without a traceback. A second start prints the same login and runs queued jobs itself."""
    server = Server(tmp_path)
    try:
        server.wait_until_healthy()
        email = server.wait_for_line("Log in as:")
        password = server.wait_for_line("Password:")
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert _password_checks(tmp_path, email, password)
        _sign_in(server.url, email, password)
    finally:
        status = server.interrupt()
    assert status == 0, server.output
    assert "Traceback" not in server.output
    login_file = tmp_path / "demo-login.txt"
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600

    again = Server(tmp_path)
    try:
        again.wait_until_healthy()
        assert again.wait_for_line("Password:") == password
        assert "adding the demo" not in again.output
        _job_runs_inside_the_server(tmp_path)
    finally:
        assert again.interrupt() == 0, again.output
    assert "Traceback" not in again.output, again.output


def _job_runs_inside_the_server(data_dir) -> None:
    """A job queued from outside is taken and run by the server's own worker threads (an
    unknown or failing job would leave a traceback in the server's output)."""
    queue = SqliteHuey("messagecenter", filename=str(data_dir / "jobs.sqlite3"))
    job = tasks.auto_end_waiting.s()
    # Serialised by the huey the task is registered with; queued in the server's job file.
    queue.storage.enqueue(HUEY.serialize_task(job), job.priority)
    deadline = time.monotonic() + 15
    while queue.pending_count() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert queue.pending_count() == 0, "the embedded consumer did not take the job"


def _password_checks(data_dir, email: str, password: str) -> bool:
    """The printed password against the hash the server stored (Argon2, as in production)."""
    with sqlite3.connect(data_dir / "messagecenter.sqlite3") as db:
        row = db.execute(
            "SELECT password, is_active FROM accounts_operator WHERE email = ?", (email,)
        ).fetchone()
    assert row is not None, f"no operator {email}"
    hashers = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers):
        return bool(row[1]) and check_password(password, row[0])


def _sign_in(url: str, email: str, password: str) -> None:
    """The operator signs in through the login form and reaches the app."""
    with httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/login/")
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        response = client.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": email,
                "password": password,
            },
        )
        assert response.status_code == 302, response.text
        assert not response.headers["location"].startswith("/login"), response.headers
        assert client.get(response.headers["location"]).status_code == 200
