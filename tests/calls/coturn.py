"""A private coturn (Debian's ``coturn``) for the call tests, one per test session: relay-only
on 127.0.0.1, with coturn's REST API credentials (``use-auth-secret``), no TLS, on a free port.
No system service is involved, as with the Dovecot and ClamAV fixtures. Without ``turnserver``
the tests are skipped locally (``./mc setup`` installs it as root) and fail in CI."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

TURNSERVER = Path("/usr/bin/turnserver")
REALM = "messagecenter.test"


@dataclass(frozen=True)
class Coturn:
    port: int
    secret: str

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"


def _free_port() -> int:
    # A port free for both TCP and UDP: coturn listens on both.
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def coturn():
    if not TURNSERVER.exists():
        message = "turnserver is missing: apt-get install -y coturn (./mc setup does it as root)"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="mc-coturn-"))
    port, secret = _free_port(), secrets.token_urlsafe(24)
    log = folder / "turnserver.log"
    process = subprocess.Popen(
        [
            str(TURNSERVER),
            "-n",  # no configuration file: everything is on this line
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--min-port=40000",
            "--max-port=40999",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            f"--realm={REALM}",
            "--allow-loopback-peers",  # both browsers' relays live on 127.0.0.1
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--fingerprint",
            f"--db={folder / 'turndb'}",
            f"--pidfile={folder / 'turnserver.pid'}",
            f"--log-file={log}",
            "--simple-log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _listening(port):
        assert process.poll() is None, log.read_text() if log.exists() else "coturn exited"
        assert time.monotonic() < deadline, "coturn did not start"
        time.sleep(0.05)  # waiting for a daemon to open its port
    yield Coturn(port, secret)
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def relay(coturn, settings):
    """The calls use the private coturn, relay-only."""
    settings.TURN_URLS = [coturn.url]
    settings.TURN_SECRET = coturn.secret
    settings.CALLS_ALLOW_DIRECT = False
    return coturn
