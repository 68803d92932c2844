"""Time from a fresh clone to the login page with the README's first command, and the
embedded server's memory when idle.

    python3 bench/startup.py [--source .] [--mode clone|worktree] [--idle 10] [--restarts 1]

``clone`` measures what is committed (``git clone``); ``worktree`` also copies the working
tree's uncommitted and untracked files over the clone (what the next commit will hold). The
clone gets its own ``.venv``; pip's caches and wheel sources are whatever this machine has
(say which in docs/benchmarks.md). Results are printed and written to bench/results/ as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import psutil

HERE = Path(__file__).resolve().parent
SCRUBBED = ("DJANGO_SETTINGS_MODULE", "MC_TESTING", "MC_JOBS_IMMEDIATE", "MC_DATA_DIR")
MILESTONES = {
    "install_started": "installing dependencies",
    "migrations_started": "Applying",
    "demo_started": "adding the demo",
    "listening": "Message Center is running",
}


def main() -> int:
    options = _parse()
    dest = Path(options.dest)
    _fresh_copy(Path(options.source).resolve(), dest, options.mode)
    port = options.port or _free_port()
    first = _start(dest, port, options.idle)
    restarts = [_start(dest, port, 0)["seconds_to_login"] for _ in range(options.restarts)]
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": options.mode,
        "commit": _git(options.source, "rev-parse", "--short", "HEAD"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "pip": _pip_sources(),
        "install": _install_sources(dest),
        **first,
        "restart_seconds_to_login": restarts,
    }
    print(json.dumps(result, indent=2))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = HERE / "results" / f"startup-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}", file=sys.stderr)
    return 0 if first["exit_code"] == 0 else 1


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(HERE.parent))
    parser.add_argument("--dest", default="/tmp/mc-bench-clone")
    parser.add_argument("--mode", choices=("clone", "worktree"), default="clone")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--idle", type=float, default=10, help="seconds idle before RSS")
    parser.add_argument("--restarts", type=int, default=1, help="timed restarts afterwards")
    return parser.parse_args()


def _fresh_copy(source: Path, dest: Path, mode: str) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(["git", "clone", "--quiet", str(source), str(dest)], check=True)
    if mode == "worktree":
        listed = _git(source, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        for name in filter(None, listed.split("\0")):
            if (source / name).is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, dest / name)


def _start(dest: Path, port: int, idle: float) -> dict:
    """Run `./mc serve` in the clone until /login/ answers; measure; stop with Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    started = time.monotonic()
    process = subprocess.Popen(
        ["./mc", "serve", "--port", str(port), "--no-access-log"],
        cwd=dest,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: dict[str, float] = {}
    lines: list[str] = []
    reader = threading.Thread(target=_read, args=(process, started, seen, lines), daemon=True)
    reader.start()
    try:
        to_login = _wait_for(f"http://127.0.0.1:{port}/login/", process, lines)
        reached = round(time.monotonic() - started, 2)
        time.sleep(idle)
        memory = _memory(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        reader.join(timeout=5)
    return {
        "seconds_to_login": reached,
        "login_status": to_login,
        "milestones_seconds": {k: round(v, 2) for k, v in seen.items()},
        "idle_seconds_before_memory": idle,
        **memory,
        "exit_code": code,
    }


def _read(process: subprocess.Popen, started: float, seen: dict, lines: list) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        for key, marker in MILESTONES.items():
            if marker in line and key not in seen:
                seen[key] = time.monotonic() - started


def _wait_for(url: str, process: subprocess.Popen, lines: list, timeout: float = 600) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server exited:\n" + "".join(lines))
        try:
            with urlopen(url, timeout=2) as response:
                return response.status
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer within {timeout}s:\n" + "".join(lines))


def _memory(pid: int) -> dict:
    """RSS of the server (``./mc`` execs it, so the pid is the Python process) and its
    children, if any; USS too, which leaves out shared library pages."""
    process = psutil.Process(pid)
    family = [process, *process.children(recursive=True)]
    info = [p.memory_full_info() for p in family]
    return {
        "process": " ".join(process.cmdline()[:3]),
        "threads": process.num_threads(),
        "rss_mb": round(sum(i.rss for i in info) / 2**20, 1),
        "uss_mb": round(sum(i.uss for i in info) / 2**20, 1),
    }


def _pip_sources() -> dict:
    names = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_CACHE_DIR")
    return {name: os.environ[name] for name in names if name in os.environ}


def _install_sources(dest: Path) -> dict:
    """Where pip got the packages, from the clone's install log: downloaded over the network,
    taken from pip's cache, or from a local file index/wheelhouse."""
    log = dest / ".venv" / ".mc-install.log"
    if not log.exists():
        return {}
    text = log.read_text(encoding="utf-8", errors="replace")
    sizes = re.findall(r"^\s*Downloading \S+ \(([\d.]+) (kB|MB)\)", text, re.MULTILINE)
    megabytes = sum(float(n) / (1024 if unit == "kB" else 1) for n, unit in sizes)
    return {
        "downloaded": len(sizes),
        "downloaded_mb": round(megabytes, 1),
        "from_pip_cache": len(re.findall(r"^\s*Using cached ", text, re.MULTILINE)),
        "from_local_files": len(re.findall(r"^Processing /", text, re.MULTILINE)),
    }


def _git(repo: str | Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
