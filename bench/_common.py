"""Shared plumbing of the benchmarks: server processes, databases, statistics, profiles, tables.

Everything here talks to loopback only (127.0.0.1): the servers under test, PostgreSQL and
Redis all run on this machine, beside the load generator.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NOFILE = 65536


# --- limits and ports ---------------------------------------------------------------------


def raise_nofile(wanted: int = NOFILE) -> int:
    """Raise this process's open-files limit as far as allowed; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if os.geteuid() == 0 and hard != resource.RLIM_INFINITY and hard < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- server processes -----------------------------------------------------------------------


@dataclass
class Server:
    """One server process under test (uvicorn, or the echo baseline)."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss(self) -> int:
        return psutil.Process(self.pid).memory_info().rss

    def uss(self) -> int | None:
        try:
            return psutil.Process(self.pid).memory_full_info().uss
        except (psutil.AccessDenied, AttributeError):
            return None

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system

    def num_fds(self) -> int:
        return psutil.Process(self.pid).num_fds()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, graceful: float = 5.0) -> None:
        if self.process.poll() is None:
            if graceful > 0:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=graceful)
                    return
                except subprocess.TimeoutExpired:
                    pass
            self.process.kill()
            self.process.wait(timeout=10)

    def log_problems(self) -> dict[str, Any]:
        """ERROR lines and tracebacks the server wrote: how many, and the first few."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return {"errors": 0, "samples": []}
        samples: list[str] = []
        errors = 0
        in_traceback = False
        for line in lines:
            if " ERROR " in line:
                errors += 1
                samples.append(line[-300:])
            elif line.startswith("Traceback"):
                in_traceback = True
                errors += 1
            elif in_traceback and line and not line.startswith((" ", "\t")):
                in_traceback = False  # the exception line closing the traceback
                samples.append(line[-300:])
        return {"errors": errors, "samples": list(dict.fromkeys(samples))[:5]}


def _preexec_raise_nofile() -> None:  # runs in the child, before exec
    raise_nofile(NOFILE)


def start_process(
    name: str, command: list[str], env: dict[str, str], port: int, log_dir: Path, *, ready
) -> Server:
    log_path = log_dir / f"{name}-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_preexec_raise_nofile,
    )
    log.close()
    server = Server(name, port, process, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early; see {log_path}:\n{log_path.read_text()}")
        if ready(port):
            return server
        time.sleep(0.1)  # waiting for a process to boot
    server.stop(graceful=0)
    raise RuntimeError(f"{name} did not start within 120 s; see {log_path}")


def http_ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def tcp_ready(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_uvicorn(env: dict[str, str], log_dir: Path, name: str = "uvicorn") -> Server:
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        "messagecenter.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--backlog",
        "4096",
        *server_flags(env),
    ]
    return start_process(name, command, env, port, log_dir, ready=http_ready)


CLI = "import sys; from messagecenter.cli import main; sys.exit(main(sys.argv[1:]))"


def start_serve(env: dict[str, str], log_dir: Path, name: str = "serve") -> Server:
    """``messagecenter serve`` as a user runs it: in embedded mode (no REDIS_URL) it also runs
    the job consumer in its process (notifications, deliveries, the outbox drainer), whose
    CPU is then the server's; in scale-out mode it serves only (see ``start_worker``)."""
    port = free_port()
    command = [PYTHON, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-migrate", "--no-demo", "--log-level", "warning", "--no-access-log"]
    return start_process(name, command, env, port, log_dir, ready=http_ready)


def start_worker(env: dict[str, str], log_dir: Path, name: str = "worker") -> Server:
    """``messagecenter worker``: the job consumer of a scale-out installation. It listens on
    no port; ready once it has run for a moment without exiting."""
    command = [PYTHON, "-c", CLI, "worker"]
    started = time.monotonic()
    return start_process(
        name, command, env, 0, log_dir, ready=lambda port: time.monotonic() - started > 3
    )


def server_flags(env: dict[str, str]) -> list[str]:
    """The WebSocket settings ``messagecenter serve`` uses (realtime/serving.py), read in a
    child with the server's environment so MC_* variables apply."""
    code = (
        "import django, json; django.setup();"
        "from messagecenter.realtime.serving import uvicorn_flags;"
        "print(json.dumps(uvicorn_flags()))"
    )
    settings_module = env.get("DJANGO_SETTINGS_MODULE", "messagecenter.settings")
    child_env = {**env, "DJANGO_SETTINGS_MODULE": settings_module}
    out = subprocess.run(
        [PYTHON, "-c", code], env=child_env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_echo(log_dir: Path) -> Server:
    port = free_port()
    command = [PYTHON, str(BENCH / "echo_server.py"), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return start_process("echo", command, env, port, log_dir, ready=tcp_ready)


def start_relay(log_dir: Path, operators: int) -> Server:
    port = free_port()
    command = [
        PYTHON,
        str(BENCH / "relay_server.py"),
        "--port",
        str(port),
        "--operators",
        str(operators),
    ]
    # The layer and serving settings of the source under test (``--commit``/``--src``).
    paths = [str(SOURCE)] if SOURCE is not None else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return start_process("relay", command, env, port, log_dir, ready=tcp_ready)


# --- environments ---------------------------------------------------------------------------


SOURCE: Path | None = None  # the ``src`` folder under test; None: the installed working tree


def export_source(rev: str) -> tuple[Path, str]:
    """Check ``rev``'s ``src`` out into a temporary folder (left for the OS to clean up);
    returns the folder's ``src`` and the full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix=f"mc-bench-src-{commit[:8]}-"))
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src", commit


def source_description() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    if SOURCE is not None:
        return {"tree": str(SOURCE), "commit": SOURCE_COMMIT}
    return {
        "tree": "working tree",
        "head": git("rev-parse", "HEAD"),
        "uncommitted_changes_in_src": bool(git("status", "--porcelain", "--", "src")),
    }


SOURCE_COMMIT: str | None = None


def base_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "MC_TESTING", "MC_S3_BUCKET", "MC_JOBS_IMMEDIATE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="messagecenter.settings",
        MC_DATA_DIR=str(data_dir),
        MC_ALLOWED_HOSTS="127.0.0.1,localhost",
        MC_LOG_LEVEL="WARNING",
        # Simulated contacts send far more than a person would; the per-contact flood limit
        # (30/min by default) would otherwise refuse the throughput phase's messages.
        MC_MESSENGER_RATE_PER_MINUTE="1000000",
        # All simulated contacts come from 127.0.0.1: the per-address limits would refuse them.
        MC_MESSENGER_ADDRESS_RATE_PER_MINUTE="1000000",
        MC_MESSENGER_HELLO_PER_MINUTE="1000000",
        PYTHONUNBUFFERED="1",
    )
    if SOURCE is not None:
        # Before the editable install's path entry, so this tree's package is imported.
        env["PYTHONPATH"] = str(SOURCE)
        env["BENCH_SRC"] = str(SOURCE)
    return env


@contextlib.contextmanager
def postgres_database(prefix: str = "mc_bench") -> Iterator[str]:
    """A fresh PostgreSQL database (URL yielded), dropped afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def seed(env: dict[str, str], operators: int, slots: int) -> dict[str, Any]:
    done = subprocess.run(
        [PYTHON, str(BENCH / "seed_live.py"), "--operators", str(operators), "--slots", str(slots)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- CPU accounting ------------------------------------------------------------------------


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
        return times.user + times.system
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0


class CpuMeter:
    """Cores used by each party over a window: servers, this generator, PostgreSQL, Redis,
    and whatever else ran on the machine (``other_cores``). Processes are matched by pid at
    both ends; one that started meanwhile counts with all its CPU time, one that ended
    meanwhile is left out (its last seconds show up under ``other_cores``)."""

    def __init__(self, servers: Sequence[Server]):
        self.server_pids = {s.pid for s in servers}
        self.start = self._sample()

    def _group(self, proc: psutil.Process, name: str) -> str | None:
        if proc.pid in self.server_pids:
            return "servers"
        if proc.pid == os.getpid():
            return "generator"
        if name.startswith("postgres"):
            return "postgres"
        if name.startswith("redis-server"):
            return "redis"
        return None

    def _sample(self) -> tuple[float, dict[int, tuple[str, float]], float]:
        per_pid: dict[int, tuple[str, float]] = {}
        for proc in psutil.process_iter(["name"]):
            group = self._group(proc, proc.info.get("name") or "")
            if group is not None:
                per_pid[proc.pid] = (group, _cpu(proc))
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        busy -= getattr(machine, "guest", 0.0) + getattr(machine, "guest_nice", 0.0)
        return time.monotonic(), per_pid, busy

    def stop(self) -> dict[str, float]:
        t1, pids1, busy1 = self._sample()
        t0, pids0, busy0 = self.start
        wall = max(t1 - t0, 1e-9)
        seconds = dict.fromkeys(("servers", "generator", "postgres", "redis"), 0.0)
        for pid, (group, cpu1) in pids1.items():
            cpu0 = pids0.get(pid, (group, 0.0))[1]
            seconds[group] += max(cpu1 - cpu0, 0.0)
        used = {f"{name}_cores": round(value / wall, 3) for name, value in seconds.items()}
        used["machine_cores"] = round((busy1 - busy0) / wall, 3)
        # Whatever else ran meanwhile (other processes on the machine, the kernel's share).
        used["other_cores"] = round(
            max(used["machine_cores"] - sum(v for k, v in used.items() if k != "machine_cores"), 0),
            3,
        )
        return used


# --- statistics -----------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (no interpolation): p99 of 1000 samples is the 990th."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# --- py-spy ---------------------------------------------------------------------------------


def py_spy() -> str | None:
    local = Path(PYTHON).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


@dataclass
class Profile:
    svg: Path
    raw: Path
    raw_idle: Path
    processes: list[subprocess.Popen] = field(default_factory=list)


def start_profile(pid: int, stem: Path, seconds: int, rate: int = 100) -> Profile | None:
    """Three samplers on ``pid`` at once, none pausing the process (``--nonblocking``): a
    flame graph of CPU time, collapsed stacks per thread of CPU time, and collapsed stacks per
    thread including idle samples (which tells how busy each thread is)."""
    binary = py_spy()
    if binary is None:
        return None
    profile = Profile(
        svg=stem.with_suffix(".svg"),
        raw=stem.with_name(stem.name + "-active.txt"),
        raw_idle=stem.with_name(stem.name + "-all.txt"),
    )
    common = ["record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(rate)]
    common += ["--nonblocking"]
    for extra, out in (
        (["--format", "flamegraph"], profile.svg),
        (["--format", "raw", "--threads"], profile.raw),
        (["--format", "raw", "--threads", "--idle"], profile.raw_idle),
    ):
        profile.processes.append(
            subprocess.Popen(
                [binary, *common, *extra, "-o", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return profile


def finish_profile(profile: Profile, timeout: float = 60) -> dict[str, Any]:
    for process in profile.processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return analyse_profile(profile)


def _read_collapsed(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    if not path.exists():
        return stacks
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        head, _, count = line.rpartition(" ")
        if not head or not count.isdigit():
            continue
        stacks.append((head.split(";"), int(count)))
    return stacks


def _short(frame: str) -> str:
    """``func (path/to/module.py:12)`` -> ``func (module.py:12)``; keeps site-packages names."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    marker = "site-packages/"
    if marker in where:
        where = where.split(marker, 1)[1]
    elif "/src/" in where:
        where = where.split("/src/", 1)[1]
    else:
        where = where.rsplit("/", 1)[-1]
    return f"{name} ({where})" if where else name


def analyse_profile(profile: Profile, top: int = 15) -> dict[str, Any]:
    """Per thread: samples, busy share; overall: top functions by self and inclusive time."""
    active = _read_collapsed(profile.raw)
    everything = _read_collapsed(profile.raw_idle)
    busy: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for frames, count in active:
        busy[frames[0]] += count
    for frames, count in everything:
        total[frames[0]] += count
    threads = []
    for thread, samples in total.most_common():
        threads.append(
            {
                "thread": thread,
                "samples": samples,
                "busy_share": round(busy.get(thread, 0) / samples, 3) if samples else None,
            }
        )
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    per_thread_leaf: dict[str, Counter[str]] = defaultdict(Counter)
    all_active = sum(count for _, count in active) or 1
    for frames, count in active:
        body = frames[1:] if frames and frames[0].startswith(("thread", "process")) else frames
        if not body:
            continue
        leaf[_short(body[-1])] += count
        per_thread_leaf[frames[0]][_short(body[-1])] += count
        for name in {_short(f) for f in body}:
            inclusive[name] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "share": round(count / all_active, 3)}
            for name, count in counter.most_common(top)
        ]

    return {
        "svg": str(profile.svg.relative_to(ROOT)) if profile.svg.is_relative_to(ROOT) else "",
        "collapsed": str(profile.raw.relative_to(ROOT)) if profile.raw.is_relative_to(ROOT) else "",
        "active_samples": sum(count for _, count in active),
        "threads": threads,
        "top_self": share(leaf),
        "top_inclusive": share(inclusive),
    }


# --- tables ---------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
