"""Live-chat benchmark: delivery latency, sustained throughput and idle connections.

One command: ``.venv/bin/python bench/live.py [--quick]``. For each mode

- ``embedded``: ONE uvicorn process on SQLite (temporary ``MC_DATA_DIR``, in-memory channel
  layer, no DATABASE_URL/REDIS_URL);
- ``scaleout``: TWO uvicorn processes on PostgreSQL (a fresh database, dropped afterwards) and
  Redis, contacts and operators spread over both processes;

it seeds an account (M operators Online with S chat slots each, a widget accepting any origin,
one session per operator), then over real WebSockets (asyncio ``websockets`` client, one load
generator process on uvloop):

1. connects N contacts (``hello`` -> ``welcome``) and M operators (``hello``); each contact
   starts its conversation with one warm-up message (routed to an operator, not measured);
2. latency: contacts send at a fixed total rate for a duration; each message is timed from
   the contact's send to the moment its *assigned* operator receives the ``conversation.changed``
   event for it (matched by the preview, which starts with the message id) - p50, p99, loss;
3. throughput: pushes as fast as possible, open loop capped at C messages in flight (sent, not
   yet seen by the assigned operator), and reports the rate of deliveries in the steady window;
4. idle: a fresh server process (of that mode) takes K contact connections, each having done
   ``hello``; the server's RSS is read with psutil.

Baselines, measured in the same run on the same machine: a raw WebSocket echo server
(``bench/echo_server.py``: round trip at the same rate and connection count, max throughput,
RSS with K idle connections), raw SQLite inserts (WAL, synchronous=NORMAL, one transaction per
row) and raw PostgreSQL inserts (one commit per row, one connection as the app uses).

Everything runs ``--runs`` times (3); the table shows the median of each figure, the median of
its same-run baseline, and the median of the per-run ratios. JSON goes to
``bench/results/live-<timestamp>.json``. When a target is missed (or with ``--profile always``)
one extra, unmeasured pass per mode records the server with py-spy during the throughput load
and writes flame graphs plus the top functions to ``bench/results/``.

The machine has 2 cores; the load generator, the servers, PostgreSQL and Redis share them.
Traffic goes to 127.0.0.1 only, and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ORIGIN = "https://shop.bench.test"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
FILLER = "Hallo, ich habe eine Frage zu meiner Bestellung vom Dienstag."
MODES = ("embedded", "scaleout")
DELIVERY_GRACE = 10.0  # seconds a message may still arrive after a phase's last send


# --- options ---------------------------------------------------------------------------------


@dataclass
class Options:
    contacts: int = 200
    operators: int = 20
    slots: int = 20
    rate: float = 100.0
    duration: float = 30.0
    throughput_duration: float = 20.0
    cap: int = 400
    idle: int = 10000
    runs: int = 3
    modes: tuple[str, ...] = MODES
    compression: str | None = "deflate"
    profile: str = "auto"
    profile_seconds: int = 10
    baseline_db_seconds: float = 3.0
    quick: bool = False
    out: Path | None = None
    connect_concurrency: int = 100
    commit: str | None = None
    src: Path | None = None
    render: Path | None = None

    @property
    def warmup_window(self) -> float:
        """Throughput deliveries before this many seconds are the ramp, not the plateau."""
        return min(2.0, self.throughput_duration * 0.2)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Live-chat benchmark (see the module docstring and bench/README.md)."
    )
    parser.add_argument("--quick", action="store_true", help="CI-sized: small and one run")
    parser.add_argument("--runs", type=int, help="repeats; the median is reported (3)")
    parser.add_argument("--contacts", type=int, help="simulated contacts (200)")
    parser.add_argument("--operators", type=int, help="operators, all Online (20)")
    parser.add_argument("--slots", type=int, help="chat slots per operator (20)")
    parser.add_argument("--rate", type=float, help="latency phase: total msg/s (100)")
    parser.add_argument("--duration", type=float, help="latency phase: seconds (30)")
    parser.add_argument("--throughput-duration", type=float, help="throughput: seconds (20)")
    parser.add_argument("--cap", type=int, help="throughput: messages in flight at most (400)")
    parser.add_argument("--idle", type=int, help="idle contact connections in one process (5000)")
    parser.add_argument("--modes", help="comma-separated: embedded,scaleout (both)")
    parser.add_argument(
        "--compression",
        choices=("deflate", "none"),
        help="permessage-deflate on the clients' side, as browsers offer it (deflate)",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        help="py-spy pass after the runs: when a target is missed (auto), always, never",
    )
    parser.add_argument(
        "--commit",
        help="benchmark this git revision's src/ (exported to a temporary folder) instead of "
        "the working tree, e.g. HEAD while others edit",
    )
    parser.add_argument("--src", type=Path, help="benchmark this src/ folder (e.g. a patched copy)")
    parser.add_argument(
        "--render", type=Path, help="print the table of a saved JSON result again; measure nothing"
    )
    parser.add_argument("--out", type=Path, help="JSON path (bench/results/live-<stamp>.json)")
    args = parser.parse_args(argv)
    options = Options()
    if args.quick:
        options = Options(
            contacts=20,
            operators=4,
            slots=20,
            rate=20.0,
            duration=3.0,
            throughput_duration=3.0,
            cap=40,
            idle=200,
            runs=1,
            profile="never",
            baseline_db_seconds=1.0,
            quick=True,
        )
    for name in ("runs", "contacts", "operators", "slots", "rate", "duration", "cap", "idle"):
        if getattr(args, name) is not None:
            setattr(options, name, getattr(args, name))
    if args.throughput_duration is not None:
        options.throughput_duration = args.throughput_duration
    if args.modes:
        modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
        unknown = set(modes) - set(MODES)
        if unknown:
            parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
        options.modes = modes
    if args.compression:
        options.compression = None if args.compression == "none" else "deflate"
    if args.profile:
        options.profile = args.profile
    options.out = args.out
    options.render = args.render
    options.commit = args.commit
    options.src = args.src
    if args.src and args.commit:
        parser.error("--src and --commit exclude each other")
    if options.operators * options.slots < options.contacts:
        parser.error("operators x slots must be at least contacts, or conversations queue up")
    return options


# --- message tracking -------------------------------------------------------------------------


class Tracker:
    """Send, acknowledgement and delivery times of every message of a run, by message id.

    A message id is a letter (the phase: W warm-up, L latency, T throughput, E echo) and a
    number; it is the message's ``client_id`` and the start of its body, so it comes back as
    the start of the operators' ``preview``."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        self.delivered: dict[str, float] = {}
        self.errors: Counter[str] = Counter()
        self.failed: dict[str, str] = {}  # message id -> why it could not be sent
        self.on_delivered: Callable[[str], None] | None = None
        self.waiters: dict[str, asyncio.Future] = {}

    def deliver(self, mid: str, at: float) -> None:
        if mid in self.delivered or mid not in self.sent:
            return
        self.delivered[mid] = at
        if self.on_delivered is not None:
            self.on_delivered(mid)
        waiter = self.waiters.pop(mid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)

    def ack(self, mid: str, at: float) -> None:
        self.acked.setdefault(mid, at)

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def latencies_ms(self, prefix: str, window: tuple[float, float] | None = None) -> list[float]:
        out = []
        for mid, sent in self.sent.items():
            if not mid.startswith(prefix):
                continue
            got = self.delivered.get(mid)
            if got is None:
                continue
            if window is not None and not window[0] <= got <= window[1]:
                continue
            out.append((got - sent) * 1000.0)
        return out

    def count(self, prefix: str) -> tuple[int, int, int]:
        sent = sum(1 for mid in self.sent if mid.startswith(prefix))
        acked = sum(1 for mid in self.acked if mid.startswith(prefix))
        delivered = sum(1 for mid in self.delivered if mid.startswith(prefix))
        return sent, acked, delivered

    def failures(self, prefix: str) -> dict[str, int]:
        return dict(Counter(why for mid, why in self.failed.items() if mid.startswith(prefix)))

    async def settle(
        self, prefix: str, *, acks: bool, quiet: float = DELIVERY_GRACE, limit: float = 180.0
    ) -> None:
        """Wait until every message of ``prefix`` arrived (and, with ``acks``, was acked), or
        nothing new came for ``quiet`` seconds (an overloaded server may still be working off
        its backlog: that is late, not lost), or ``limit`` seconds passed. What is missing
        then counts as lost."""
        started = last_progress = time.perf_counter()
        seen: tuple[int, int] = (-1, -1)
        while True:
            sent, acked, delivered = self.count(prefix)
            now = time.perf_counter()
            done = delivered >= sent and (not acks or acked >= sent)
            if done or now - last_progress > quiet or now - started > limit:
                return
            if (acked, delivered) != seen:
                seen, last_progress = (acked, delivered), now
            await asyncio.sleep(0.05)


def message_id(text: str) -> str:
    return text.split(" ", 1)[0]


# --- clients -----------------------------------------------------------------------------------


class Peer:
    """One simulated WebSocket client with a reader task."""

    ws: ClientConnection
    reader: asyncio.Task | None = None
    index: int = 0
    tracker: Tracker

    @property
    def closed(self) -> bool:
        return self.ws.close_code is not None or self.ws.state.name in ("CLOSING", "CLOSED")

    async def _send_frame(self, mid: str, frame: dict[str, Any]) -> bool:
        """Send one message frame; a connection the server closed counts as a failed send."""
        if self.closed:
            self.tracker.failed[mid] = f"closed:{self.ws.close_code}"
            return False
        self.tracker.sent[mid] = time.perf_counter()
        try:
            await self.ws.send(json.dumps(frame))
        except ConnectionClosed as exc:
            del self.tracker.sent[mid]
            code = exc.rcvd.code if exc.rcvd else None
            self.tracker.failed[mid] = f"closed:{code}"
            return False
        return True

    def abort(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        with contextlib.suppress(Exception):
            self.ws.transport.abort()


def _connect_kwargs(options: Options) -> dict[str, Any]:
    return {
        "ping_interval": None,  # the server pings; the client answers
        "open_timeout": 120,
        "close_timeout": 2,
        "compression": options.compression,
        "user_agent_header": USER_AGENT,
        "max_queue": 64,
    }


class Contact(Peer):
    """A website visitor's messenger: ``hello`` then ``message.send`` frames."""

    def __init__(self, index: int, url: str, tracker: Tracker) -> None:
        self.index, self.url, self.tracker = index, url, tracker
        self.conversation: str | None = None

    async def open(self, options: Options) -> None:
        self.ws = await connect(self.url, origin=ORIGIN, **_connect_kwargs(options))
        hello = {
            "type": "hello",
            "page": {"url": f"https://shop.bench.test/p/{self.index}", "title": "Produkt"},
        }
        await self.ws.send(json.dumps(hello))
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), 120)
            if raw.startswith('{"type":"welcome"'):
                break
            if raw.startswith('{"type":"error"'):
                raise RuntimeError(f"hello refused: {raw}")

    def start_reader(self) -> None:
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        tracker = self.tracker
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                if raw.startswith('{"type":"ack"'):
                    frame = json.loads(raw)
                    self.conversation = frame.get("conversation") or self.conversation
                    if frame.get("client_id"):
                        tracker.ack(frame["client_id"], time.perf_counter())
                elif raw.startswith('{"type":"error"'):
                    tracker.error(json.loads(raw).get("code", "?"))

    async def send_message(self, mid: str) -> bool:
        frame: dict[str, Any] = {"type": "message.send", "client_id": mid}
        frame["body"] = f"{mid} {FILLER}"
        if self.conversation:
            frame["conversation"] = self.conversation
        return await self._send_frame(mid, frame)


class Operator(Peer):
    """An operator's app tab: listens on the account group for ``conversation.changed``."""

    def __init__(self, index: int, port: int, public_id: str, session: str, tracker: Tracker):
        self.index, self.port, self.public_id, self.session = index, port, public_id, session
        self.tracker = tracker
        self.frames = 0

    async def open(self, options: Options) -> None:
        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/ws/operator",
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": f"mc_session={self.session}"},
            **_connect_kwargs(options),
        )
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), 60)
            if raw.startswith('{"type":"hello"'):
                return

    def start_reader(self) -> None:
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        # Every operator hears every conversation.changed of the account; only the assigned
        # one's copy counts. The substring test keeps the generator from parsing the rest.
        mine = f'"assigned_operator":"{self.public_id}"'
        tracker = self.tracker
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.frames += 1
                now = time.perf_counter()
                if mine not in raw:
                    continue
                if raw.startswith('{"type":"conversation.changed"'):
                    frame = json.loads(raw)
                    if frame.get("kind") == "message":
                        tracker.deliver(message_id(frame.get("preview", "")), now)
                elif raw.startswith('{"type":"timeline.entry"'):
                    entry = json.loads(raw).get("entry", {})
                    if entry.get("kind") == "message":
                        tracker.deliver(entry["message"].get("client_msg_id") or "", now)


class EchoClient(Peer):
    """A client of the echo baseline: sends the same frame a contact sends, times the echo."""

    def __init__(self, index: int, port: int, tracker: Tracker) -> None:
        self.index, self.port, self.tracker = index, port, tracker

    async def open(self, options: Options) -> None:
        url = f"ws://127.0.0.1:{self.port}/"
        self.ws = await connect(url, origin=ORIGIN, **_connect_kwargs(options))

    def start_reader(self) -> None:
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                self.tracker.deliver(frame["client_id"], now)

    async def send_message(self, mid: str) -> bool:
        frame = {"type": "message.send", "client_id": mid, "body": f"{mid} {FILLER}"}
        return await self._send_frame(mid, frame)


class RelayContact(EchoClient):
    """A contact of the minimal relay (bench/relay_server.py): sends, reads its ack."""

    async def open(self, options: Options) -> None:
        url = f"ws://127.0.0.1:{self.port}/ws/contact?i={self.index}"
        self.ws = await connect(url, origin=ORIGIN, **_connect_kwargs(options))

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                if raw.startswith('{"type": "ack"'):
                    self.tracker.ack(json.loads(raw)["client_id"], time.perf_counter())


class RelayOperator(Operator):
    """An operator of the minimal relay: the same reader as the app's operator tab."""

    def __init__(self, index: int, port: int, tracker: Tracker) -> None:
        super().__init__(index, port, f"op{index}", "", tracker)

    async def open(self, options: Options) -> None:
        url = f"ws://127.0.0.1:{self.port}/ws/operator?id={self.public_id}"
        self.ws = await connect(url, origin=ORIGIN, **_connect_kwargs(options))
        await asyncio.wait_for(self.ws.recv(), 60)  # its hello


async def open_all(peers: Sequence[Peer], options: Options) -> dict[str, Any]:
    """Open peers with a bounded number of handshakes at once; returns timing and failures."""
    gate = asyncio.Semaphore(options.connect_concurrency)
    failures: Counter[str] = Counter()
    opened: list[Peer] = []

    async def one(peer: Peer) -> None:
        async with gate:
            try:
                await peer.open(options)
                opened.append(peer)
            except Exception as exc:
                failures[type(exc).__name__ + ": " + str(exc)[:120]] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(p) for p in peers))
    seconds = time.perf_counter() - started
    return {
        "opened": len(opened),
        "failed": sum(failures.values()),
        "failures": dict(failures.most_common(5)),
        "seconds": round(seconds, 2),
        "per_second": round(len(opened) / seconds, 1) if seconds else None,
    }


def closed_codes(peers: Sequence[Peer]) -> dict[str, int]:
    """Connections that ended before the benchmark closed them, by close code."""
    codes = Counter(str(p.ws.close_code) for p in peers if p.ws.close_code is not None)
    return dict(codes)


def abort_all(peers: Sequence[Peer]) -> None:
    for peer in peers:
        if hasattr(peer, "ws"):
            peer.abort()


# --- load phases -----------------------------------------------------------------------------


def pick(senders: Sequence[Any], n: int) -> Any | None:
    """Round-robin from ``n``, skipping connections the server closed; None when all are."""
    for k in range(len(senders)):
        sender = senders[(n + k) % len(senders)]
        if not sender.closed:
            return sender
    return None


def outcome(tracker: Tracker, prefix: str, window: tuple[float, float] | None = None) -> dict:
    """Counts and latencies of one phase's messages. Loss is over every attempted message:
    sent and never seen by the assigned operator, or not sendable (connection closed)."""
    sent, acked, delivered = tracker.count(prefix)
    failed = tracker.failures(prefix)
    attempted = sent + sum(failed.values())
    latencies = tracker.latencies_ms(prefix, window)
    acks = [
        (at - tracker.sent[mid]) * 1000.0
        for mid, at in tracker.acked.items()
        if mid.startswith(prefix) and mid in tracker.sent
    ]
    return {
        "attempted": attempted,
        "sent": sent,
        "send_failed": failed,
        "acked": acked,
        "delivered": delivered,
        "lost": attempted - delivered,
        "loss_pct": round(100.0 * (attempted - delivered) / attempted, 3) if attempted else None,
        "p50_ms": common.rounded(common.percentile(latencies, 50)),
        "p90_ms": common.rounded(common.percentile(latencies, 90)),
        "p99_ms": common.rounded(common.percentile(latencies, 99)),
        "max_ms": common.rounded(max(latencies) if latencies else None),
        "ack_p50_ms": common.rounded(common.percentile(acks, 50)),
        "ack_p99_ms": common.rounded(common.percentile(acks, 99)),
    }


async def fixed_rate(
    senders: Sequence[Any],
    tracker: Tracker,
    prefix: str,
    rate: float,
    duration: float,
    *,
    acks: bool,
) -> dict[str, Any]:
    """Open loop at ``rate`` msg/s in total, round-robin over ``senders``; timed per message
    from its actual send (the send lag behind the schedule is reported too)."""
    total = max(1, int(rate * duration))
    interval = 1.0 / rate
    start = time.perf_counter() + 0.2
    lag_ms: list[float] = []
    for n in range(total):
        target = start + n * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag_ms.append(max(0.0, (time.perf_counter() - target) * 1000.0))
        sender = pick(senders, n)
        if sender is None:  # the server closed every connection: the rest cannot be sent
            for rest in range(n, total):
                tracker.failed[f"{prefix}{rest}"] = "all_connections_closed"
            break
        await sender.send_message(f"{prefix}{n}")
    end = time.perf_counter()
    await tracker.settle(prefix, acks=acks)
    arrivals = [at for mid, at in tracker.delivered.items() if mid.startswith(prefix)]
    result = outcome(tracker, prefix)
    result.update(
        offered_rate=round(total / (end - start), 1),
        send_lag_p99_ms=common.rounded(common.percentile(lag_ms, 99)),
        # > 0 when the server fell behind the offered rate and worked off a backlog after.
        drain_after_last_send_s=common.rounded(max(arrivals) - end if arrivals else None),
    )
    return result


async def saturate(
    senders: Sequence[Any],
    tracker: Tracker,
    prefix: str,
    duration: float,
    cap: int,
    warmup: float,
    *,
    acks: bool,
    meter: Callable[[], common.CpuMeter] | None = None,
) -> dict[str, Any]:
    """Push as fast as possible, at most ``cap`` messages in flight (sent, not yet delivered;
    a message unseen for DELIVERY_GRACE seconds frees its place); the sustained rate counts
    deliveries from the end of the ramp (``warmup``) to the last send."""
    gate = asyncio.Semaphore(cap)
    in_flight: dict[str, float] = {}
    timed_out = 0

    def delivered(mid: str) -> None:
        if in_flight.pop(mid, None) is not None:
            gate.release()

    tracker.on_delivered = delivered

    async def watchdog() -> None:
        nonlocal timed_out
        while True:
            await asyncio.sleep(1.0)
            limit = time.perf_counter() - DELIVERY_GRACE
            for mid, sent in list(in_flight.items()):
                if sent < limit:
                    in_flight.pop(mid, None)
                    timed_out += 1
                    gate.release()

    dog = asyncio.get_running_loop().create_task(watchdog())
    all_closed = False
    start = time.perf_counter()
    end = start + duration
    steady_from = start + warmup
    cpu = None
    n = 0
    try:
        while True:
            now = time.perf_counter()
            if cpu is None and now >= steady_from and meter is not None:
                cpu = meter()
            if now >= end:
                break
            try:
                await asyncio.wait_for(gate.acquire(), timeout=end - now)
            except TimeoutError:
                break
            mid = f"{prefix}{n}"
            n += 1
            sender = pick(senders, n)
            if sender is None:  # the server closed every connection
                gate.release()
                all_closed = True
                break
            in_flight[mid] = time.perf_counter()
            if not await sender.send_message(mid):
                in_flight.pop(mid, None)
                gate.release()
        stopped = time.perf_counter()
        cpu_used = cpu.stop() if cpu is not None else {}
        await tracker.settle(prefix, acks=acks)
    finally:
        dog.cancel()
        tracker.on_delivered = None
    window = (steady_from, stopped)
    seconds = max(window[1] - window[0], 1e-9)

    def in_window(times: dict[str, float]) -> int:
        low, high = window
        return sum(1 for mid, at in times.items() if mid.startswith(prefix) and low <= at <= high)

    result = {
        "sustained_msg_s": round(in_window(tracker.delivered) / seconds, 1),
        "acked_msg_s": round(in_window(tracker.acked) / seconds, 1),
        "window_s": round(seconds, 2),
        "cap": cap,
        "timed_out_in_flight": timed_out,
        "stopped_early_all_connections_closed": all_closed,
    }
    result.update(outcome(tracker, prefix, window))
    result["cpu"] = cpu_used
    return result


# --- the app under test ----------------------------------------------------------------------


@dataclass
class Deployment:
    """A seeded installation of one mode with its server processes running."""

    mode: str
    env: dict[str, str]
    seeded: dict[str, Any]
    servers: list[common.Server]  # the ones that take connections
    log_dir: Path
    workers: list[common.Server] = field(default_factory=list)  # job consumers, no port

    @property
    def processes(self) -> list[common.Server]:
        """Everything the installation runs: whose CPU and memory a message costs."""
        return self.servers + self.workers

    def stop(self) -> None:
        for server in self.processes:
            server.stop(graceful=3)


def deploy(mode: str, options: Options, stack: contextlib.ExitStack, log_dir: Path) -> Deployment:
    data_dir = stack.enter_context(common.temp_dir(f"mc-bench-{mode}-"))
    env = common.base_env(data_dir)
    if mode == "scaleout":
        env["DATABASE_URL"] = stack.enter_context(common.postgres_database("mc_bench"))
        env["REDIS_URL"] = common.REDIS
    seeded = common.seed(env, options.operators, options.slots)
    # As a user runs it: `serve` (in embedded mode with the jobs in its process), in scale-out
    # two `serve` processes and one `worker`. The jobs' CPU (notifications of every contact
    # message) is part of what a message costs; plain uvicorn left it out before 2026-12-04.
    count = 1 if mode == "embedded" else 2
    servers = [common.start_serve(env, log_dir, name=f"{mode}{n}") for n in range(count)]
    workers = []
    if mode == "scaleout":
        workers.append(common.start_worker(env, log_dir, name=f"{mode}-worker"))
    return Deployment(mode, env, seeded, servers, log_dir, workers)


def base(server: common.Server) -> str:
    return f"ws://127.0.0.1:{server.port}"


async def connect_chat(
    deployment: Deployment, options: Options, tracker: Tracker
) -> tuple[list[Operator], list[Contact], dict[str, Any]]:
    """Operators first (so every conversation is routed at once), spread over the processes,
    then the contacts, also spread; each contact then starts its conversation (warm-up)."""
    servers = deployment.servers
    operators = [
        Operator(n, servers[n % len(servers)].port, op["id"], op["session"], tracker)
        for n, op in enumerate(deployment.seeded["operators"])
    ]
    widget = deployment.seeded["widget"]
    contacts = [
        Contact(n, f"{base(servers[n % len(servers)])}/ws/messenger/{widget}", tracker)
        for n in range(options.contacts)
    ]
    info: dict[str, Any] = {"operators": await open_all(operators, options)}
    for operator in operators:
        operator.start_reader()
    info["contacts"] = await open_all(contacts, options)
    if info["operators"]["failed"] or info["contacts"]["failed"]:
        raise RuntimeError(f"connections failed: {info}")
    for contact in contacts:
        contact.start_reader()
    # Warm-up: every contact's first message starts and routes its conversation.
    gate = asyncio.Semaphore(20)

    async def start(contact: Contact) -> None:
        async with gate:
            mid = f"W{contact.index}"
            waiter = asyncio.get_running_loop().create_future()
            tracker.waiters[mid] = waiter
            await contact.send_message(mid)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, 30)
            deadline = time.perf_counter() + 10
            while contact.conversation is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)

    started = time.perf_counter()
    await asyncio.gather(*(start(c) for c in contacts))
    _sent, acked, delivered = tracker.count("W")
    warm = tracker.latencies_ms("W")
    info["warmup"] = {
        "conversations_started": acked,
        "routed_and_delivered": delivered,
        "seconds": round(time.perf_counter() - started, 2),
        "start_p50_ms": common.rounded(common.percentile(warm, 50)),
        "start_p99_ms": common.rounded(common.percentile(warm, 99)),
    }
    return operators, contacts, info


async def run_mode(mode: str, options: Options, log_dir: Path) -> dict[str, Any]:
    """Seed a fresh installation of ``mode``; latency and throughput on its server
    process(es); then idle connections on one fresh process over the same database."""
    with contextlib.ExitStack() as stack:
        deployment = deploy(mode, options, stack, log_dir)
        result = await chat_phases(deployment, options)
        result["idle"] = await idle_phase(deployment, options)
        return result


async def chat_phases(deployment: Deployment, options: Options) -> dict[str, Any]:
    """Latency and throughput on the deployment's running server process(es)."""
    tracker = Tracker()
    operators: list[Operator] = []
    contacts: list[Contact] = []
    try:
        operators, contacts, info = await connect_chat(deployment, options, tracker)
        rss_before = sum(s.rss() for s in deployment.processes)
        meter = common.CpuMeter(deployment.processes)
        latency = await fixed_rate(
            contacts, tracker, "L", options.rate, options.duration, acks=True
        )
        latency["cpu"] = meter.stop()
        throughput = await saturate(
            contacts,
            tracker,
            "T",
            options.throughput_duration,
            options.cap,
            options.warmup_window,
            acks=True,
            meter=lambda: common.CpuMeter(deployment.processes),
        )
        return {
            "processes": len(deployment.servers),
            "workers": len(deployment.workers),
            "connect": info,
            "latency": latency,
            "throughput": throughput,
            "errors": dict(tracker.errors),
            "connections_closed_by_server": closed_codes(operators + contacts),
            "connections_closed": sum(closed_codes(operators + contacts).values()),
            "operator_frames": sum(o.frames for o in operators),
            "server_rss_mb": round(sum(s.rss() for s in deployment.processes) / 2**20, 1),
            "server_rss_mb_connected": round(rss_before / 2**20, 1),
            "server_log": [s.log_problems() for s in deployment.processes],
        }
    finally:
        abort_all(operators + contacts)
        deployment.stop()


async def idle_phase(deployment: Deployment, options: Options) -> dict[str, Any]:
    """K contacts connected to ONE fresh server process of the deployment, each after hello."""
    mode, seeded = deployment.mode, deployment.seeded
    server = common.start_serve(deployment.env, deployment.log_dir, name=f"{mode}-idle")
    contacts: list[Contact] = []
    try:
        await asyncio.sleep(1.0)
        rss_empty = server.rss()
        tracker = Tracker()
        url = f"ws://127.0.0.1:{server.port}/ws/messenger/{seeded['widget']}"
        contacts = [Contact(n, url, tracker) for n in range(options.idle)]
        opened = await open_all(contacts, options)
        await asyncio.sleep(1.0 if options.quick else 3.0)  # let the hellos' work finish
        rss = server.rss()
        uss = server.uss()
        alive = server.alive()
        return {
            "connections": opened["opened"],
            "failed": opened["failed"],
            "failures": opened["failures"],
            "hello_per_s": opened["per_second"],
            "connect_seconds": opened["seconds"],
            "server_rss_mb": round(rss / 2**20, 1),
            "server_uss_mb": round(uss / 2**20, 1) if uss else None,
            "server_rss_mb_empty": round(rss_empty / 2**20, 1),
            "kb_per_connection": round((rss - rss_empty) / 1024 / max(opened["opened"], 1), 1),
            "server_fds": server.num_fds() if alive else None,
            "generator_rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
            "server_log": server.log_problems(),
        }
    finally:
        server.stop(graceful=0)  # nothing to keep; 5,000 disconnect handlers would only wait
        abort_all(contacts)


# --- baselines -------------------------------------------------------------------------------


async def rate_then_push(
    senders: Sequence[Any],
    tracker: Tracker,
    prefixes: str,
    options: Options,
    server: common.Server,
    *,
    acks: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A baseline's two load phases, as the app's: the fixed rate, then the capped push
    (``prefixes``: the message-id letters of each phase)."""
    latency = await fixed_rate(
        senders, tracker, prefixes[0], options.rate, options.duration, acks=acks
    )
    throughput = await saturate(
        senders,
        tracker,
        prefixes[1],
        options.throughput_duration,
        options.cap,
        options.warmup_window,
        acks=acks,
        meter=lambda: common.CpuMeter([server]),
    )
    return latency, throughput


async def echo_baseline(options: Options, log_dir: Path) -> dict[str, Any]:
    server = common.start_echo(log_dir)
    clients: list[EchoClient] = []
    try:
        tracker = Tracker()
        clients = [EchoClient(n, server.port, tracker) for n in range(options.contacts)]
        connected = await open_all(clients, options)
        for client in clients:
            client.start_reader()
        latency, throughput = await rate_then_push(
            clients, tracker, "EX", options, server, acks=False
        )
        abort_all(clients)
        await asyncio.sleep(0.5)
        rss_empty = server.rss()
        idle = [EchoClient(n, server.port, tracker) for n in range(options.idle)]
        clients = idle
        opened = await open_all(idle, options)
        await asyncio.sleep(1.0)
        rss = server.rss()
        return {
            "connect": connected,
            "latency": latency,
            "throughput": throughput,
            "idle": {
                "connections": opened["opened"],
                "failed": opened["failed"],
                "server_rss_mb": round(rss / 2**20, 1),
                "server_rss_mb_empty": round(rss_empty / 2**20, 1),
                "kb_per_connection": round((rss - rss_empty) / 1024 / max(opened["opened"], 1), 1),
            },
        }
    finally:
        abort_all(clients)
        server.stop(graceful=2)


async def relay_baseline(options: Options, log_dir: Path) -> dict[str, Any]:
    """The minimal relay on the product's stack (bench/relay_server.py), through the same
    harness: same contacts, operators, rate and push as the app's chat phases."""
    server = common.start_relay(log_dir, options.operators)
    peers: list[Peer] = []
    try:
        tracker = Tracker()
        operators = [RelayOperator(n, server.port, tracker) for n in range(options.operators)]
        contacts = [RelayContact(n, server.port, tracker) for n in range(options.contacts)]
        peers = [*operators, *contacts]
        connected = await open_all(peers, options)
        for peer in peers:
            peer.start_reader()
        latency, throughput = await rate_then_push(
            contacts, tracker, "LT", options, server, acks=True
        )
        return {"connect": connected, "latency": latency, "throughput": throughput}
    finally:
        abort_all(peers)
        server.stop(graceful=2)


def sqlite_baseline(seconds: float) -> dict[str, Any]:
    """Raw inserts with the app's durability: WAL, synchronous=NORMAL, one transaction each."""
    with common.temp_dir("mc-bench-sqlite-") as folder:
        conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE message (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,"
            " seq INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
        rows = 0
        start = time.perf_counter()
        end = start + seconds
        while time.perf_counter() < end:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO message (conversation, seq, body, created_at) VALUES (?, ?, ?, ?)",
                (rows % 200, rows, f"R{rows} {FILLER}", datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
            rows += 1
        elapsed = time.perf_counter() - start
        conn.close()
    return {"inserts_per_s": round(rows / elapsed, 1), "rows": rows}


def postgres_baseline(seconds: float) -> dict[str, Any]:
    """Raw inserts over one TCP connection to 127.0.0.1, one commit per row (the server's
    default synchronous_commit, as the app runs)."""
    import psycopg

    with common.postgres_database("mc_bench_raw") as url, psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE message (id bigserial PRIMARY KEY, conversation integer NOT NULL,"
            " seq integer NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL)"
        )
        conn.commit()
        setting = conn.execute("SHOW synchronous_commit").fetchone()[0]
        rows = 0
        start = time.perf_counter()
        end = start + seconds
        while time.perf_counter() < end:
            conn.execute(
                "INSERT INTO message (conversation, seq, body, created_at)"
                " VALUES (%s, %s, %s, now())",
                (rows % 200, rows, f"R{rows} {FILLER}"),
            )
            conn.commit()
            rows += 1
        elapsed = time.perf_counter() - start
    return {"inserts_per_s": round(rows / elapsed, 1), "rows": rows, "synchronous_commit": setting}


async def one_run(options: Options, log_dir: Path, index: int) -> dict[str, Any]:
    run: dict[str, Any] = {"index": index}
    say(f"run {index + 1}/{options.runs}: echo baseline")
    run["baseline"] = {"echo": await echo_baseline(options, log_dir)}
    say(f"run {index + 1}/{options.runs}: minimal relay baseline")
    run["baseline"]["relay"] = await relay_baseline(options, log_dir)
    say(f"run {index + 1}/{options.runs}: raw SQLite and PostgreSQL inserts")
    run["baseline"]["sqlite"] = sqlite_baseline(options.baseline_db_seconds)
    run["baseline"]["postgres"] = postgres_baseline(options.baseline_db_seconds)
    for mode in options.modes:
        say(f"run {index + 1}/{options.runs}: {mode}: latency, throughput, idle connections")
        run[mode] = await run_mode(mode, options, log_dir)
        say(f"run {index + 1}/{options.runs}: {mode}: {brief(run[mode])}")
    return run


def brief(result: dict[str, Any]) -> str:
    lat, thr, idle = result["latency"], result["throughput"], result["idle"]
    return (
        f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, loss {lat['loss_pct']}%; "
        f"{thr['sustained_msg_s']} msg/s; idle {idle['connections']} conns "
        f"{idle['server_rss_mb']} MB"
    )


# --- profiling pass --------------------------------------------------------------------------


async def profile_mode(mode: str, options: Options, log_dir: Path, stamp: str) -> dict[str, Any]:
    """An unmeasured extra pass: the throughput load again, with py-spy on the server(s)."""
    with contextlib.ExitStack() as stack:
        deployment = deploy(mode, options, stack, log_dir)
        tracker = Tracker()
        operators: list[Operator] = []
        contacts: list[Contact] = []
        try:
            operators, contacts, _ = await connect_chat(deployment, options, tracker)
            profiles = []

            async def record() -> None:
                await asyncio.sleep(2.0)  # past the ramp
                started = [
                    common.start_profile(
                        server.pid,
                        common.RESULTS / f"profile-{stamp}-{mode}-{n}",
                        options.profile_seconds,
                    )
                    for n, server in enumerate(deployment.processes)
                ]
                for profile in started:
                    if profile is not None:
                        profiles.append(await asyncio.to_thread(common.finish_profile, profile))

            recorder = asyncio.get_running_loop().create_task(record())
            load = await saturate(
                contacts,
                tracker,
                "P",
                options.profile_seconds + 4.0,
                options.cap,
                2.0,
                acks=True,
                meter=lambda: common.CpuMeter(deployment.processes),
            )
            await recorder
            return {"load": load, "profiles": profiles}
        finally:
            abort_all(operators + contacts)
            deployment.stop()


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    path: tuple[str, ...]
    baseline: tuple[str, ...] | None
    baseline_label: str
    target: tuple[str, float] | None = None  # ("<=", 50.0)
    # A goal on the ratio to the baseline (median of the per-run ratios), e.g. ("<=", 3.0).
    ratio_target: tuple[str, float] | None = None


def figures(options: Options) -> list[Figure]:
    rows: list[Figure] = []
    names = {
        "embedded": "embedded (1 proc, SQLite)",
        "scaleout": "scale-out (2 procs + worker, PG+Redis)",
    }
    echo_lat = ("baseline", "echo", "latency")
    relay_lat = ("baseline", "relay", "latency")
    rows += [
        Figure(
            "relay.latency.p99_ms",
            f"minimal relay (1 proc, SQLite): delivery p99 @ {options.rate:g} msg/s",
            "ms",
            (*relay_lat, "p99_ms"),
            (*echo_lat, "p99_ms"),
            "echo round trip p99",
        ),
        Figure(
            "relay.throughput.sustained_msg_s",
            "minimal relay (1 proc, SQLite): sustained delivered msg/s",
            "msg/s",
            ("baseline", "relay", "throughput", "sustained_msg_s"),
            ("baseline", "sqlite", "inserts_per_s"),
            "raw SQLite inserts/s",
        ),
    ]
    for mode in options.modes:
        name = names[mode]
        rows += [
            Figure(
                f"{mode}.latency.p50_ms",
                f"{name}: delivery p50 @ {options.rate:g} msg/s",
                "ms",
                (mode, "latency", "p50_ms"),
                (*relay_lat, "p50_ms"),
                "minimal relay p50",
            ),
            Figure(
                f"{mode}.latency.p99_ms",
                f"{name}: delivery p99 @ {options.rate:g} msg/s",
                "ms",
                (mode, "latency", "p99_ms"),
                (*relay_lat, "p99_ms"),
                "minimal relay p99",
                ("<=", 50.0),
            ),
            Figure(
                f"{mode}.latency.p99_vs_relay",
                f"{name}: delivery p99 over the relay's",
                "ms",
                (mode, "latency", "p99_ms"),
                (*relay_lat, "p99_ms"),
                "minimal relay p99",
                ratio_target=("<=", 3.0),
            ),
            Figure(
                f"{mode}.latency.loss_pct",
                f"{name}: messages lost",
                "%",
                (mode, "latency", "loss_pct"),
                (*echo_lat, "loss_pct"),
                "echo loss",
                ("<=", 0.0),
            ),
        ]
    for mode in options.modes:
        name = names[mode]
        db = ("baseline", "sqlite") if mode == "embedded" else ("baseline", "postgres")
        rows.append(
            Figure(
                f"{mode}.throughput.sustained_msg_s",
                f"{name}: sustained delivered msg/s",
                "msg/s",
                (mode, "throughput", "sustained_msg_s"),
                (*db, "inserts_per_s"),
                "raw SQLite inserts/s" if mode == "embedded" else "raw PostgreSQL inserts/s",
                (">=", 500.0) if mode == "scaleout" else None,
            )
        )
    for mode in options.modes:
        rows.append(
            Figure(
                f"{mode}.connections_closed",
                f"{names[mode]}: sockets closed by the server"
                f" (of {options.contacts + options.operators})",
                "",
                (mode, "connections_closed"),
                None,
                "",
            )
        )
    rows.append(
        Figure(
            "echo.throughput.sustained_msg_s",
            "raw WebSocket echo: max msg/s (harness ceiling)",
            "msg/s",
            ("baseline", "echo", "throughput", "sustained_msg_s"),
            None,
            "",
        )
    )
    for mode in options.modes:
        name = names[mode]
        rows.append(
            Figure(
                f"{mode}.idle.server_rss_mb",
                f"{name}: RSS, {options.idle} idle contacts in 1 proc",
                "MB",
                (mode, "idle", "server_rss_mb"),
                ("baseline", "echo", "idle", "server_rss_mb"),
                f"echo server RSS, {options.idle} idle",
                ("<", 1024.0),
            )
        )
        rows.append(
            Figure(
                f"{mode}.idle.kb_per_connection",
                f"{name}: memory per idle contact",
                "KB",
                (mode, "idle", "kb_per_connection"),
                ("baseline", "echo", "idle", "kb_per_connection"),
                "echo server KB per connection",
                ratio_target=("<=", 1.5),
            )
        )
    return rows


def dig(data: dict[str, Any], path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def summarise(runs: list[dict[str, Any]], options: Options) -> list[dict[str, Any]]:
    out = []
    for figure in figures(options):
        values = [dig(run, figure.path) for run in runs]
        baselines = [dig(run, figure.baseline) for run in runs] if figure.baseline else []
        ratios = [v / b for v, b in zip(values, baselines, strict=False) if v is not None and b]
        value = common.median(values)
        met = None
        applies = (
            not options.quick
            and ("idle" not in figure.key or options.idle >= 10000)
            and (
                "latency" not in figure.key or (options.contacts >= 200 and options.operators >= 20)
            )
        )
        ratio = common.median(ratios)
        if figure.target is not None and value is not None and applies:
            met = _meets(value, figure.target)
        if figure.ratio_target is not None and ratio is not None and applies:
            met = _meets(ratio, figure.ratio_target)
        out.append(
            {
                "key": figure.key,
                "figure": figure.label,
                "unit": figure.unit,
                "median": common.rounded(value),
                "values": values,
                "baseline": figure.baseline_label or None,
                "baseline_median": common.rounded(common.median(baselines)),
                "ratio_median": common.rounded(ratio, 3),
                "target": _target_text(figure),
                "met": met,
            }
        )
    return out


def _meets(value: float, target: tuple[str, float]) -> bool:
    op, limit = target
    return {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op]


def _target_text(figure: Figure) -> str | None:
    if figure.target:
        return f"{figure.target[0]} {figure.target[1]:g} {figure.unit}"
    if figure.ratio_target:
        return f"ratio {figure.ratio_target[0]} {figure.ratio_target[1]:g}×"
    return None


def render(summary: list[dict[str, Any]], options: Options, runs: int) -> str:
    def fmt(value: Any) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    rows = []
    for row in summary:
        met = {True: "yes", False: "**NO**", None: "–"}[row["met"]]
        baseline = f"{fmt(row['baseline_median'])} ({row['baseline']})" if row["baseline"] else "–"
        ratio = f"{row['ratio_median']:.3g}×" if row["ratio_median"] is not None else "–"
        rows.append(
            [
                row["figure"],
                f"{fmt(row['median'])} {row['unit']}",
                baseline,
                ratio,
                row["target"] or "–",
                met,
            ]
        )
    title = f"median of {runs} run{'s' if runs != 1 else ''}"
    return common.table(["figure", title, "same-run baseline", "ratio", "target", "met?"], rows)


def jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, Path) else value


def footnote(runs: list[dict[str, Any]], options: Options) -> str:
    """Who used the cores during the latency and throughput phases (medians over the runs)."""
    parts = []
    for mode in options.modes:
        for phase in ("latency", "throughput"):
            cpu = [dig(run, (mode, phase, "cpu")) or {} for run in runs]
            used = {
                key: common.median([c.get(key) for c in cpu])
                for key in (
                    "servers_cores",
                    "generator_cores",
                    "postgres_cores",
                    "redis_cores",
                    "other_cores",
                    "machine_cores",
                )
            }
            parts.append(
                f"{mode} {phase} phase, cores used: servers {used['servers_cores']}, "
                f"load generator {used['generator_cores']}, PostgreSQL {used['postgres_cores']}, "
                f"Redis {used['redis_cores']}, other processes {used['other_cores']} "
                f"(machine {used['machine_cores']} of {os.cpu_count()})"
            )
    return (
        f"{os.cpu_count()} cores shared by the load generator (ONE process, asyncio websockets "
        "on uvloop), the server process(es), PostgreSQL and Redis.\n" + "\n".join(parts)
    )


# --- main --------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def main_async(options: Options) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if options.commit:
        common.SOURCE, common.SOURCE_COMMIT = common.export_source(options.commit)
        say(f"benchmarking commit {common.SOURCE_COMMIT[:12]} ({common.SOURCE})")
    elif options.src:
        common.SOURCE = options.src.resolve()
        say(f"benchmarking the source tree {common.SOURCE}")
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    out = options.out or common.RESULTS / f"live-{stamp}.json"
    nofile = common.raise_nofile()
    needed = max(options.idle, options.contacts) + options.operators + 256
    if nofile < needed:
        say(f"warning: open-files limit {nofile} < {needed}; idle connections may fail")
    started = datetime.now(UTC)
    runs: list[dict[str, Any]] = []
    log_dir = common.RESULTS / f"logs-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    def write(summary, missed, profiles, *, complete: bool) -> None:
        """The JSON, rewritten after every run, so a cut-short benchmark still leaves one."""
        result = {
            "benchmark": "live",
            "complete": complete,
            "started": started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "quick": options.quick,
            "machine": {
                "cpus": os.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "note": (
                    "the load generator (one process, asyncio websockets on uvloop), the server "
                    "processes, PostgreSQL and Redis share this machine's cores"
                ),
                "open_files_limit": nofile,
                "load_average_at_start": [round(x, 2) for x in load_before],
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            },
            "server_logs": str(log_dir.relative_to(common.ROOT)),
            "source": common.source_description(),
            "config": {
                key: jsonable(value) for key, value in vars(options).items() if key != "out"
            },
            "summary": summary,
            "missed": missed,
            "runs": runs,
            "profiles": profiles,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")

    for index in range(options.runs):
        runs.append(await one_run(options, log_dir, index))
        partial = summarise(runs, options)
        write(partial, [r["key"] for r in partial if r["met"] is False], {}, complete=False)
    summary = summarise(runs, options)
    missed = [row["key"] for row in summary if row["met"] is False]
    profiles: dict[str, Any] = {}
    if options.profile == "always" or (options.profile == "auto" and missed):
        if common.py_spy() is None:
            say("py-spy is not installed (pip install py-spy): no profile")
        else:
            for mode in options.modes:
                say(f"profiling {mode} under the throughput load (py-spy)")
                profiles[mode] = await profile_mode(mode, options, log_dir, stamp)
    write(summary, missed, profiles, complete=True)
    print(render(summary, options, len(runs)))
    print("\n" + footnote(runs, options))
    for mode, found in profiles.items():
        for n, profile in enumerate(found.get("profiles", [])):
            print(f"\nprofile {mode} process {n}: {profile['svg']}")
            for item in profile["top_self"][:8]:
                print(f"  {item['share']:6.1%}  {item['function']}")
    print(f"\nJSON: {out}")
    return 0


def render_saved(path: Path) -> int:
    """Recompute the summary of a saved result with this version's figures, and print it."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    options = Options()
    for key, value in saved["config"].items():
        if hasattr(options, key) and key not in ("out", "render", "src"):
            setattr(options, key, tuple(value) if isinstance(value, list) else value)
    runs = saved["runs"]
    for run in runs:  # results written before this figure existed
        for mode in options.modes:
            closed = run.get(mode, {}).get("connections_closed_by_server")
            if closed is not None and "connections_closed" not in run[mode]:
                run[mode]["connections_closed"] = sum(closed.values())
    print(render(summarise(runs, options), options, len(runs)))
    print("\n" + footnote(runs, options))
    print(f"\nsource: {saved.get('source')}; machine: {saved.get('machine')}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    if options.render:
        return render_saved(options.render)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        return runner.run(main_async(options))


if __name__ == "__main__":
    raise SystemExit(main())
