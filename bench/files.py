"""Files benchmark (issue "Files…": 100 MB in constant memory on every channel).

One command:  .venv/bin/python bench/files.py [--mb 100] [--runs 3] [--chunk-mb 8]

``messagecenter serve`` (embedded mode: SQLite, local storage, the job consumer in the same
process) on a fresh data folder, driven over HTTP the way the composer drives it:

- **upload**: ``POST …/uploads/`` announces the file, then ``PATCH`` chunks of ``--chunk-mb``
  at their ``Upload-Offset`` (files.uploads: each chunk goes to storage as it is read; the last
  one assembles, hashes, sniffs and stores the file); then the reply that attaches it;
- **download**: the operator's file link → 302 to the short-lived signed URL → the bytes
  (streamed by an async iterator, files.http).

For each it reports the wall time, the throughput and the server's **peak extra RSS** (the
process's resident memory polled every 10 ms, minus what it held just before). The same-run
baseline is a raw write (1 MB blocks, no fsync, like the storage) and a raw read of a file of
the same size in the same data folder. Medians of ``--runs``; prints a table and writes JSON
to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
import httpx
import psutil

MB = 1024 * 1024


def setup() -> dict:
    """Runs in a child with the server's environment: an admin with a signed-in session and a
    messenger conversation assigned to them."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from messagecenter.accounts import services as accounts
    from messagecenter.accounts.models import Role
    from messagecenter.contacts.services import create_contact
    from messagecenter.conversations import services
    from messagecenter.core.actors import Actor
    from messagecenter.widgets.services import create_widget

    account = accounts.create_account("Bench")
    group = accounts.create_group(account, "Support")
    admin = accounts.create_operator(
        account, name="Bench Admin", email="admin@bench.test", password="bench-pass-123",
        role=Role.ADMIN, groups=[group],
    )  # fmt: skip
    widget = create_widget(account, "Website", operator_group=group)
    contact = create_contact(account, name="Kim")
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact)
    )
    services.assign_operator(conversation, admin, actor=Actor.for_operator(admin))
    store = SessionStore()
    store[SESSION_KEY] = str(admin.pk)
    store[BACKEND_SESSION_KEY] = "messagecenter.accounts.auth.OperatorBackend"
    store[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    store.save()
    return {"session": store.session_key, "conversation": conversation.public_id}


class PeakRss:
    """The process's highest RSS while the block runs, polled every 10 ms."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.before = self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.before = self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(0.01)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def extra_mb(self) -> float:
        return round((self.peak - self.before) / MB, 1)


def payload(size: int, block: bytes):
    sent = 0
    while sent < size:
        part = block[: min(len(block), size - sent)]
        sent += len(part)
        yield part


def upload(client: httpx.Client, conversation: str, size: int, chunk: int, block: bytes) -> str:
    created = client.post(
        f"/inbox/{conversation}/uploads/", data={"name": "bench.bin", "size": str(size)}
    )
    created.raise_for_status()
    url = created.json()["url"]
    for offset in range(0, size, chunk):
        length = min(chunk, size - offset)
        answer = client.patch(
            url,
            content=payload(length, block),
            headers={
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
            },
        )
        answer.raise_for_status()
    return created.json()["id"]


def attach(client: httpx.Client, conversation: str, upload_id: str) -> str:
    answer = client.post(
        f"/inbox/{conversation}/reply/",
        data={"body": "Die Datei", "upload": upload_id},
        headers={"Accept": "application/json"},
    )
    answer.raise_for_status()
    [file] = answer.json()["entry"]["message"]["files"]
    return file["url"]


def download(client: httpx.Client, url: str) -> int:
    received = 0
    signed = client.get(url)
    assert signed.status_code == 302, signed.status_code
    with client.stream("GET", signed.headers["Location"]) as response:
        response.raise_for_status()
        for part in response.iter_bytes(MB):
            received += len(part)
    return received


def raw_disk(folder: Path, size: int, block: bytes) -> tuple[float, float]:
    path = folder / "raw-baseline.bin"
    started = time.perf_counter()
    with path.open("wb") as out:
        for part in payload(size, block):
            out.write(part)
    written = time.perf_counter() - started
    started = time.perf_counter()
    with path.open("rb") as source:
        while source.read(MB):
            pass
    read = time.perf_counter() - started
    path.unlink()
    return written, read


def one_run(options, env: dict[str, str], data_dir: Path, log_dir: Path, n: int) -> dict:
    size, chunk = options.mb * MB, options.chunk_mb * MB
    block = os.urandom(MB)  # incompressible, sniffed as application/octet-stream
    ids = json.loads(
        subprocess.run(
            [common.PYTHON, __file__, "_setup"], env=env, cwd=common.ROOT,
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
    )  # fmt: skip
    server = common.start_serve(env, log_dir, name=f"files-{n}")
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            cookies={"mc_session": ids["session"]},
            timeout=600,
        )
        client.get(f"/inbox/{ids['conversation']}/").raise_for_status()  # CSRF cookie, warm
        client.headers["X-CSRFToken"] = client.cookies["mc_csrftoken"]
        idle = server.rss()
        with PeakRss(server.pid) as up:
            started = time.perf_counter()
            upload_id = upload(client, ids["conversation"], size, chunk, block)
            url = attach(client, ids["conversation"], upload_id)
            up_seconds = time.perf_counter() - started
        with PeakRss(server.pid) as down:
            started = time.perf_counter()
            received = download(client, url)
            down_seconds = time.perf_counter() - started
        assert received == size, (received, size)
        problems = server.log_problems()
    finally:
        server.stop()
    raw_write, raw_read = raw_disk(data_dir, size, block)
    mbps = lambda seconds: round(options.mb / seconds, 1)  # noqa: E731
    return {
        "server_idle_rss_mb": round(idle / MB, 1),
        "upload_seconds": round(up_seconds, 2),
        "upload_mb_per_s": mbps(up_seconds),
        "upload_peak_extra_rss_mb": up.extra_mb,
        "download_seconds": round(down_seconds, 2),
        "download_mb_per_s": mbps(down_seconds),
        "download_peak_extra_rss_mb": down.extra_mb,
        "raw_write_mb_per_s": mbps(raw_write),
        "raw_read_mb_per_s": mbps(raw_read),
        "server_log_problems": problems,
    }


def render(summary: dict, target_mb: float) -> str:
    def row(label: str, kind: str, raw: str) -> list:
        peak = summary[f"{kind}_peak_extra_rss_mb"]
        return [
            label,
            summary[f"{kind}_seconds"],
            summary[f"{kind}_mb_per_s"],
            summary[raw],
            peak,
            "yes" if peak < target_mb else "NO",
        ]

    rows = [
        row("upload (POST + PATCH chunks + reply)", "upload", "raw_write_mb_per_s"),
        row("download (link → signed URL → bytes)", "download", "raw_read_mb_per_s"),
    ]
    headers = ["path", "s", "MB/s", "raw disk MB/s", "peak extra RSS MB", f"< {target_mb:g} MB"]
    return common.table(headers, rows)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_setup"]:
        print(json.dumps(setup()))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--chunk-mb", type=int, default=8, help="the composer's chunk size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target-mb", type=float, default=50)
    options = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = common.RESULTS / f"logs-files-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    runs = []
    for n in range(options.runs):
        with common.temp_dir("mc-bench-files-") as data_dir:
            env = common.base_env(data_dir)
            env["MC_MAX_UPLOAD_MB"] = str(max(options.mb, 100))
            subprocess.run(
                [common.PYTHON, "-m", "django", "migrate", "--verbosity", "0"],
                env=env, cwd=common.ROOT, check=True,
            )  # fmt: skip
            runs.append(one_run(options, env, data_dir, log_dir, n))
            print(f"run {n + 1}: {json.dumps(runs[-1])}", file=sys.stderr)
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
    summary = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    out = common.RESULTS / f"files-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "files",
                "started": started.isoformat(),
                "finished": datetime.now(UTC).isoformat(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(),
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                },
                "source": common.source_description(),
                "options": vars(options),
                "median": summary,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    print(render(summary, options.target_mb))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
