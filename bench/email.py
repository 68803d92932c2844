"""E-mail inbound benchmark (issue 13): IMAP import rate and IDLE latency, against a real Dovecot.

One command:  .venv/bin/python bench/email.py [--mails 10000] [--runs 3] [--postgres] [--quick]

Per run, with a private Dovecot (the test suite's, ``tests/transports/email/servers.py``) and a
fresh database (SQLite in a temporary data folder, or a fresh PostgreSQL database):

1. **Import**: ``--mails`` realistic mails (2,000 senders, each writing a thread whose later
   mails answer the earlier ones by In-Reply-To/References; every 10th with a small PDF) are
   appended to the folder, then read by ``mailbox.sync_connection`` — parse, thread, dedupe,
   contact, conversation, message, attachments, cursor — timed as mails/s. The **baseline** in the
   same run is a raw imapclient FETCH (BODY.PEEK[], the same batch size) of the same folder: what
   the network and Dovecot alone cost.
2. **IDLE latency**: with ``mailbox.Watcher`` running (IDLE), ``--idle-mails`` mails are appended
   one at a time; each is timed from the APPEND's return to (a) its message row being visible and
   (b) the ``timeline.entry`` event the operators' sockets follow. Target: median ≤ 5 s.

Prints a table of medians of ``--runs`` runs and writes JSON to bench/results/.
"""

# ruff: noqa: E402  (the sys.path fix below must run before the standard library is imported)
from __future__ import annotations

import os
import sys

# This file is named like the standard library's ``email`` package, and Python puts a script's
# folder first on sys.path. Run as this benchmark: take bench/ off sys.path before anything
# imports ``email``. Imported as ``email`` by another bench script (bench/ first on its path):
# put the real package in its place, which the import statement then returns.
_HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "email":
    import importlib.machinery
    import importlib.util

    _path = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    _spec = importlib.machinery.PathFinder.find_spec("email", _path)
    assert _spec is not None and _spec.loader is not None
    _real = importlib.util.module_from_spec(_spec)
    sys.modules["email"] = _real
    _spec.loader.exec_module(_real)
else:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import json
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
FOLDER = "Support"
SENDERS = 2000
BATCH = 25  # imap.ImapSettings.batch_size's default: the baseline fetches alike


def make_mail(n: int) -> bytes:
    sender, turn = n % SENDERS, n // SENDERS
    msg = EmailMessage()
    msg["From"] = f"Kundin {sender} <kundin{sender}@example.de>"
    msg["To"] = "support@acme.test"
    msg["Subject"] = ("Re: " if turn else "") + f"Bestellung {sender}"
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = f"<m{n}@example.de>"
    if turn:
        earlier = [f"<m{sender + SENDERS * t}@example.de>" for t in range(turn)]
        msg["In-Reply-To"] = earlier[-1]
        msg["References"] = " ".join(earlier)
    body = f"Hallo,\n\nzu Bestellung {sender}: Nachricht {turn}.\n\nViele Grüße\nKundin {sender}\n"
    if turn:
        body += "\nAm Montag schrieb Support <support@acme.test>:\n> Danke für Ihre Nachricht.\n"
    msg.set_content(body)
    if n % 10 == 0:
        msg.add_attachment(
            b"%PDF-1.4\n" + bytes(2000), maintype="application", subtype="pdf", filename="r.pdf"
        )
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def fill(server, count: int) -> None:
    with server.connect() as client:
        client.select_folder(FOLDER)
        chunk = []
        for n in range(count):
            chunk.append(make_mail(n))
            if len(chunk) == 200:
                client.multiappend(FOLDER, chunk)
                chunk = []
        if chunk:
            client.multiappend(FOLDER, chunk)


def raw_fetch(server) -> tuple[int, float]:
    """The baseline: every mail of the folder by UID, BODY.PEEK[], in batches like the sync."""
    from imapclient import IMAPClient

    started = time.perf_counter()
    fetched = 0
    with IMAPClient(server.host, server.port, ssl=False, timeout=60) as client:
        client.plain_login(server.username, server.password)
        client.select_folder(FOLDER, readonly=True)
        uids = sorted(client.search(["ALL"]))
        for start in range(0, len(uids), BATCH):
            data = client.fetch(uids[start : start + BATCH], ["BODY.PEEK[]"])
            fetched += sum(1 for item in data.values() if item.get(b"BODY[]"))
    return fetched, time.perf_counter() - started


# --- the worker: one fresh database, in its own process ----------------------------------------


def worker(spec: dict) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from imapclient import IMAPClient

    from messagecenter.accounts import services as accounts
    from messagecenter.conversations.models import Message
    from messagecenter.core.events import register_sink
    from messagecenter.transports.email import mailbox
    from messagecenter.widgets.models import ChannelConnection
    from messagecenter.widgets.services import create_widget

    account = accounts.create_account("Bench")
    group = accounts.create_group(account, "Support")
    widget = create_widget(account, "Website", operator_group=group)
    connection = ChannelConnection.objects.create(
        account=account,
        widget=widget,
        kind="email",
        config={
            "address": "support@acme.test",
            "inbound": "imap",
            "imap": {
                "host": spec["host"],
                "port": spec["port"],
                "security": "none",
                "username": spec["username"],
                "folder": FOLDER,
            },
        },
        credentials={"imap_password": spec["password"]},
    )
    profile_to = os.environ.get("BENCH_EMAIL_PROFILE")  # a path: cProfile the import there
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    read = mailbox.sync_connection(connection)
    import_seconds = time.perf_counter() - started
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    stored = Message.objects.filter(connection=connection).count()
    assert stored == spec["mails"], (stored, read)

    events: dict[str, float] = {}

    def sink(event, groups):
        if event.get("type") == "timeline.entry":
            events.setdefault(event.get("conversation", ""), time.perf_counter())

    register_sink(sink)
    watcher = mailbox.Watcher(refresh=0.5).start()
    time.sleep(3)  # the watch connects and enters IDLE
    to_row, to_event = [], []
    with IMAPClient(spec["host"], spec["port"], ssl=False, timeout=30) as client:
        client.plain_login(spec["username"], spec["password"])
        for k in range(spec["idle_mails"]):
            msg = EmailMessage()
            msg["From"] = f"Neu {k} <neu{k}@example.org>"
            msg["Subject"] = f"Neue Frage {k} {uuid.uuid4().hex[:6]}"
            msg["Message-ID"] = f"<idle{k}.{uuid.uuid4().hex}@example.org>"
            msg.set_content("Gerade eben geschrieben.")
            client.append(FOLDER, msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))
            appended = time.perf_counter()
            pid = msg["Message-ID"].strip("<>")
            deadline = appended + 30
            row = None
            while time.perf_counter() < deadline:
                row = (
                    Message.objects.filter(provider_message_id=pid)
                    .values_list("conversation__public_id", flat=True)
                    .first()
                )
                if row:
                    break
                time.sleep(0.01)
            to_row.append(time.perf_counter() - appended if row else 30.0)
            while row and row not in events and time.perf_counter() < deadline:
                time.sleep(0.01)
            to_event.append(events[row] - appended if row in events else 30.0)
            time.sleep(0.3)
    watcher.stop()
    return {
        "mails": spec["mails"],
        "import_seconds": import_seconds,
        "import_mails_per_second": spec["mails"] / import_seconds,
        "idle_to_row_median_s": statistics.median(to_row),
        "idle_to_event_median_s": statistics.median(to_event),
        "idle_to_event_max_s": max(to_event),
    }


def one_run(server, mails: int, idle_mails: int, postgres: bool) -> dict:
    server.reset(FOLDER)
    fill(server, mails)
    fetched, raw_seconds = raw_fetch(server)
    assert fetched == mails, fetched
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messagecenter.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "MC_TESTING", "MC_JOBS_IMMEDIATE"):
        env.pop(name, None)
    spec = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "mails": mails,
        "idle_mails": idle_mails,
    }
    database = None
    with tempfile.TemporaryDirectory(prefix="mc-bench-email-") as folder:
        env["MC_DATA_DIR"] = folder
        if postgres:
            database = f"mc_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(
                ["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True
            )
            env["DATABASE_URL"] = f"{PG}/{database}"
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", json.dumps(spec)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as error:
            sys.stderr.write(error.stderr[-4000:])
            raise
        finally:
            if database:
                subprocess.run(
                    [
                        "psql",
                        f"{PG}/postgres",
                        "-qc",
                        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                    ],
                    check=False,
                )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result |= {"raw_fetch_seconds": raw_seconds, "raw_fetch_mails_per_second": mails / raw_seconds}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--idle-mails", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="500 mails, 5 IDLE mails, 1 run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if args.quick:
        args.mails, args.idle_mails, args.runs = 500, 5, 1
    sys.path.insert(0, str(ROOT))
    from tests.transports.email.servers import remove_dovecot, start_dovecot

    backend = "PostgreSQL" if args.postgres else "SQLite"
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"email-{backend.lower()}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    server = start_dovecot()
    runs: list[dict] = []
    try:
        for number in range(args.runs):
            runs.append(one_run(server, args.mails, args.idle_mails, args.postgres))
            # Each run as it finishes, so a long benchmark cut short still says something.
            print(f"run {number + 1}/{args.runs}: {json.dumps(runs[-1])}", flush=True)
            _write(out, args, backend, runs)
    finally:
        remove_dovecot(server)
    median = _write(out, args, backend, runs)
    print(
        f"e-mail inbound, {args.mails:,} mails, {backend}, median of {args.runs} "
        "(2-core machine, shared with other work)"
    )
    print(f"{'figure':<36}{'median':>12}{'baseline':>12}{'target':>10}")
    print(
        f"{'IMAP import (mails/s)':<36}{median['import_mails_per_second']:>12,.0f}"
        f"{median['raw_fetch_mails_per_second']:>12,.0f}{'':>10}  (baseline: raw FETCH)"
    )
    print(
        f"{'import time (s)':<36}{median['import_seconds']:>12.1f}"
        f"{median['raw_fetch_seconds']:>12.2f}"
    )
    met = "met" if median["idle_to_event_median_s"] <= 5 else "MISSED"
    print(f"{'IDLE: APPEND → message row (s)':<36}{median['idle_to_row_median_s']:>12.2f}")
    print(
        f"{'IDLE: APPEND → socket event (s)':<36}{median['idle_to_event_median_s']:>12.2f}"
        f"{'':>12}{'≤ 5 s':>10}  {met}"
    )
    print(f"written: {out.relative_to(ROOT)}")


def _write(out: Path, args, backend: str, runs: list[dict]) -> dict:
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    data = {"mails": args.mails, "backend": backend, "runs": runs, "median": median}
    out.write_text(json.dumps(data, indent=2))
    return median


if __name__ == "__main__":
    main()
