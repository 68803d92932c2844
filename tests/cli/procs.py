"""Running the ``messagecenter`` command as a real process against a throw-away data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

# The test run's own configuration must not leak into the process under test.
_SCRUBBED = (
    "DJANGO_SETTINGS_MODULE",
    "MC_TESTING",
    "MC_JOBS_IMMEDIATE",
    "MC_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
)


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env.update(MC_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``messagecenter ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "messagecenter.cli", *args],
        env=clean_env(data_dir),
        cwd=data_dir,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``messagecenter serve`` in the background, its output collected line by line."""

    def __init__(self, data_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "messagecenter.cli", "serve", "--port", str(self.port), *args],
            env=clean_env(data_dir),
            cwd=data_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.output}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not healthy after {timeout}s:\n{self.output}")

    def wait_for_line(self, prefix: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.strip().startswith(prefix):
                    return line.strip()[len(prefix) :].strip()
            time.sleep(0.05)
        raise AssertionError(f"no line starting with {prefix!r}:\n{self.output}")

    def interrupt(self, timeout: float = 15) -> int:
        """Ctrl-C, and the exit status once it has stopped."""
        self.process.send_signal(2)  # SIGINT
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
