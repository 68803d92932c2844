"""``messagecenter serve``: the web server, and in embedded mode the job consumer beside it.

Embedded mode (no REDIS_URL) runs everything in one process: the in-memory channel layer only
reaches sockets of its own process and event loop, so the Huey consumer runs here as worker
threads, and the event publisher is told which loop the server runs (``bind_server_loop``) so
events raised in a worker thread are handed to that loop. The application's ASGI lifespan
handler (``messagecenter.realtime.lifespan``) registers the loop at startup, so this holds for
``serve`` and for a plain ``uvicorn messagecenter.asgi:application`` alike; ``serve`` runs
uvicorn with ``lifespan="on"`` so a failing startup stops the server instead of being ignored.

Start-up order: migrate (under a cross-process lock, so N scale-out processes started at once
do not race), seed the demo into an empty database, start the consumer, serve. Ctrl-C (SIGINT)
or SIGTERM stops uvicorn gracefully, then the consumer, and the process exits 0.
"""

from __future__ import annotations

import fcntl
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import uvicorn
from huey.consumer import Consumer

log = logging.getLogger("messagecenter.server")

SERVER_LOCK = "server.lock"
CONSUMER_SHUTDOWN_SECONDS = 10
HEALTH_CHECK_SECONDS = 10


# --- the job consumer ----------------------------------------------------------------------


class EmbeddedConsumer(Consumer):
    """Huey's consumer without its own signal handlers: in ``serve`` the web server owns
    SIGINT/SIGTERM, and stopping the consumer is part of the server's shutdown."""

    def _set_signal_handlers(self) -> None:
        pass


@dataclass
class RunningConsumer:
    consumer: EmbeddedConsumer
    supervisor: threading.Thread
    stopping: threading.Event

    def stop(self) -> None:
        from messagecenter.jobs import outbox

        self.stopping.set()
        outbox.stop_drains()
        self.consumer.stop(graceful=True)
        self.consumer.huey.notify_interrupted_tasks()
        self.supervisor.join(timeout=1)


def start_consumer(workers: int | None = None) -> RunningConsumer:
    """Start the Huey workers and scheduler (periodic tasks on) as threads of this process,
    plus a supervisor thread that replaces a worker that died, as ``run_huey`` would."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    from messagecenter.jobs import outbox

    autodiscover_modules("tasks")  # registers the periodic tasks, as run_huey does
    resume_interrupted_jobs()
    outbox.drains_run_here()  # the outbox's wake flags may live in this process's memory
    options = dict(_consumer_settings())
    options.update(worker_type="thread", periodic=True)
    if workers is not None:
        options["workers"] = workers
    consumer = EmbeddedConsumer(HUEY, shutdown_timeout=CONSUMER_SHUTDOWN_SECONDS, **options)
    consumer.start()
    stopping = threading.Event()
    supervisor = threading.Thread(
        target=_supervise, args=(consumer, stopping), name="huey-supervisor", daemon=True
    )
    supervisor.start()
    return RunningConsumer(consumer, supervisor, stopping)


def resume_interrupted_jobs() -> None:
    """Jobs a killed process left running continue now, not at the next minute's sweep
    (``messagecenter.jobs``); they are queued before the workers start."""
    from django.db import connections

    from messagecenter.jobs.runner import resume_stale

    resumed = resume_stale()
    # Sends a killed worker claimed but never recorded (conversations.delivery).
    from messagecenter.conversations.delivery import sweep as sweep_deliveries

    sweep_deliveries()
    # Outbox events whose job a killed worker lost (jobs.outbox).
    from messagecenter.jobs.outbox import sweep as sweep_outbox

    sweep_outbox()
    connections.close_all()  # this thread goes on to serve; the workers open their own
    if resumed:
        log.info("resuming %d interrupted job(s)", len(resumed))


def _consumer_settings() -> dict[str, Any]:
    from django.conf import settings

    return cast("dict[str, Any]", settings.HUEY.get("consumer") or {})


def _supervise(consumer: EmbeddedConsumer, stopping: threading.Event) -> None:
    while not stopping.wait(HEALTH_CHECK_SECONDS):
        try:
            consumer.check_worker_health()
        except Exception:  # the supervisor must outlive whatever went wrong
            log.exception("job consumer health check failed")


def jobs_in_process(*, embedded: bool, with_jobs: bool, no_jobs: bool) -> bool:
    """Embedded mode runs the consumer in the server; scale-out only with ``--with-jobs``."""
    if no_jobs:
        return False
    return with_jobs or embedded


# --- start-up ------------------------------------------------------------------------------


@contextmanager
def startup_lock() -> Iterator[None]:
    """One process at a time migrates and seeds: a PostgreSQL advisory lock, or a file lock
    next to the SQLite database."""
    from django.conf import settings
    from django.db import connection

    if settings.DATABASE_IS_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('messagecenter.startup'))")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('messagecenter.startup'))")
        return
    database = Path(settings.DATABASES["default"]["NAME"])
    with _flock(database.with_name(database.name + ".startup-lock"), fcntl.LOCK_EX):
        yield


@contextmanager
def _flock(path: Path, mode: int) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate(say: Callable[[str], None]) -> None:
    from django.core.management import call_command

    count = pending_migrations()
    if count:
        say(f"Applying {count} database migration{'s' if count != 1 else ''}…")
        call_command("migrate", interactive=False, verbosity=0)


def prepare(*, run_migrations: bool, seed_demo: bool, say: Callable[[str], None]) -> None:
    """Migrate and, into an empty database, seed the demo; one process at a time."""
    from django.conf import settings

    from messagecenter import demo

    with startup_lock():
        if run_migrations:
            migrate(say)
        elif pending_migrations():
            raise SystemExit(
                "The database needs migrations: run `messagecenter migrate` first "
                "(or start without --no-migrate)."
            )
        if seed_demo and demo.database_is_empty():
            say("Empty database: adding the demo account “Demo GmbH”…")
            demo.save_login(settings.DATA_DIR, demo.seed())


def hold_server_lock(data_dir: Path) -> Any:
    """A shared lock on the data folder while the server runs; ``restore`` takes it
    exclusively, so it refuses while any server uses this data folder. Released by the OS
    when the process ends, however it ends."""
    handle = (Path(data_dir) / SERVER_LOCK).open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def server_running(data_dir: Path) -> bool:
    path = Path(data_dir) / SERVER_LOCK
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


# --- serving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    with_jobs: bool = False
    no_jobs: bool = False
    workers: int | None = None
    migrate: bool = True
    demo: bool = True
    log_level: str = "info"
    access_log: bool = True
    forwarded_allow_ips: str | None = None


def serve(options: ServeOptions, say: Callable[[str], None] = print) -> int:
    """Prepare the database, start the consumer (if it runs here) and serve until stopped."""
    from django.conf import settings
    from django.db import connections

    lock = hold_server_lock(settings.DATA_DIR)
    seed_demo = options.demo and settings.EMBEDDED and not settings.PRODUCTION
    prepare(run_migrations=options.migrate, seed_demo=seed_demo, say=say)
    jobs = jobs_in_process(
        embedded=settings.EMBEDDED, with_jobs=options.with_jobs, no_jobs=options.no_jobs
    )
    if jobs and settings.HUEY.get("immediate"):
        jobs = False  # MC_JOBS_IMMEDIATE runs jobs inline; a consumer would refuse to start
    if settings.EMBEDDED and not jobs:
        say("Warning: no job consumer in embedded mode: timeouts and deliveries will not run.")
    # Composed now: it reads the database, which the event loop must not do.
    text = banner(options, jobs)
    connections.close_all()  # requests and jobs open their own; this thread is done with it
    running = start_consumer(options.workers) if jobs else None
    mail_watcher = _start_mail_watcher() if jobs else None
    signals = _StopSignals()
    try:
        _Server(_uvicorn_config(options), on_ready=lambda: say(text), signals=signals).run()
    finally:
        signals.restore()
        if mail_watcher is not None:
            mail_watcher.stop()
        if running is not None:
            running.stop()
        lock.close()
    return 0


def _start_mail_watcher():
    """The e-mail channels' IDLE threads run where the jobs run (``watch-mail`` otherwise)."""
    from messagecenter.transports.email.mailbox import Watcher

    return Watcher().start()


def _uvicorn_config(options: ServeOptions) -> uvicorn.Config:
    from messagecenter.asgi import application
    from messagecenter.realtime.serving import uvicorn_options

    config = uvicorn.Config(
        application,
        host=options.host,
        port=options.port,
        lifespan="on",
        log_level=options.log_level,
        access_log=options.access_log,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
        **uvicorn_options(),
    )
    if options.forwarded_allow_ips:
        # Otherwise uvicorn's default: $FORWARDED_ALLOW_IPS, else 127.0.0.1.
        config.forwarded_allow_ips = options.forwarded_allow_ips
    return config


class _StopSignals:
    """Uvicorn handles SIGINT/SIGTERM while it runs, and afterwards re-raises the signal it
    caught to the handler that was installed before it. Installing this one first turns that
    re-raise into a note instead of a KeyboardInterrupt traceback (SIGINT) or an abrupt
    default-action exit (SIGTERM) before the job consumer has stopped."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.previous = {
            sig: signal.signal(sig, self._note) for sig in (signal.SIGINT, signal.SIGTERM)
        }

    def _note(self, signum: int, frame: object) -> None:
        self.received.append(signum)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


class _Server(uvicorn.Server):
    """Announces itself once it really listens, and honours a stop signal that arrived
    before uvicorn installed its own handlers."""

    def __init__(
        self, config: uvicorn.Config, on_ready: Callable[[], None], signals: _StopSignals
    ) -> None:
        super().__init__(config)
        self.on_ready = on_ready
        self.signals = signals

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.signals.received:
            self.should_exit = True
        if self.started and not self.should_exit:
            self.on_ready()


def banner(options: ServeOptions, jobs: bool) -> str:
    from django.conf import settings

    from messagecenter import demo

    host = "127.0.0.1" if options.host in ("0.0.0.0", "::", "") else options.host  # noqa: S104
    url = f"http://{host}:{options.port}" if ":" not in host else f"http://[{host}]:{options.port}"
    lines = ["", f"Message Center is running at {url}"]
    login = demo.current_login(settings.DATA_DIR)
    if login is not None:
        lines += [f"  Log in as:  {login.email}", f"  Password:   {login.password}"]
        if login.teammates:
            lines.append(f"  (same password for {', '.join(login.teammates)})")
    if jobs:
        workers = _consumer_settings().get("workers", 1)
        lines.append(f"  Jobs:       in this process ({options.workers or workers} threads)")
    else:
        lines.append("  Jobs:       run `messagecenter worker` separately")
    lines += [f"  Data:       {settings.DATA_DIR}", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)
