"""CPU per message of the write path, in one process, with the outbox drained (issue "Speed").

One command:  .venv/bin/python bench/write_path.py [--messages 2000] [--runs 3] [--commit REV]

``bench/live.py`` measures what a user feels (delivery latency through real sockets) and so
needs a quiet machine. This measures what that latency is made of — the server's CPU per
message — and CPU time hardly depends on what else the machine runs, so it still compares
across runs on a busy machine. Each run, in a fresh process and SQLite database:

- seeds one account, 20 operators Online, 200 contacts with the messenger open and a LIVE
  conversation each (through the real services);
- starts the outbox's drainer thread as ``messagecenter serve`` does (notifications,
  analytics, webhooks, translation consume as in production);
- times contact follow-ups, then operator replies, each through the domain service, and waits
  until the outbox is drained; CPU is the process's (all threads: writer and drainer);
- as the same-run baseline, one raw SQLite INSERT + COMMIT per message into a table of the
  same data folder.

Prints a table of medians (CPU ms per message; the ratio to the baseline is how runs compare)
and writes JSON to bench/results/write-path-<stamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

CONTACTS = 200
OPERATORS = 20


def worker(messages: int) -> dict:
    """Runs in a fresh process with its own database (see ``one_run``)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from messagecenter.conversations import services
    from messagecenter.core.actors import Actor
    from messagecenter.jobs import outbox

    outbox.drains_run_here()  # before the seed, whose events it drains too
    conversations, operators = _seed()

    def contact_follow_up(n: int) -> None:
        conversation = conversations[n % len(conversations)]
        services.post_contact_message(
            conversation, f"Noch eine Frage {n}", actor=Actor.for_contact(conversation.contact)
        )

    def operator_reply(n: int) -> None:
        conversation = conversations[n % len(conversations)]
        operator = operators[conversation.assigned_operator_id]
        services.post_operator_message(
            conversation, f"Gern, einen Moment {n}", actor=Actor.for_operator(operator)
        )

    figures = {
        "contact_follow_up": _timed(contact_follow_up, messages),
        "operator_reply": _timed(operator_reply, messages),
        "raw_sqlite_commit": _raw_inserts(messages),
    }
    outbox.stop_drains()
    return figures


def _seed():
    from messagecenter.accounts import services as accounts
    from messagecenter.accounts.models import Presence
    from messagecenter.contacts.services import create_contact
    from messagecenter.conversations import presence, services
    from messagecenter.core.actors import Actor
    from messagecenter.widgets.services import create_widget

    account = accounts.create_account("Bench GmbH")
    group = accounts.create_group(account, "Support")
    operators = {}
    for n in range(OPERATORS):
        operator = accounts.create_operator(
            account,
            name=f"Operator {n:02d}",
            email=f"op{n:02d}@bench.test",
            max_slots=20,
            groups=[group],
        )
        presence.operator_tab_opened(operator, f"bench.operator.{n}")  # an app tab is open
        accounts.set_presence(operator, Presence.ONLINE, actor=Actor.for_operator(operator))
        operators[operator.pk] = operator
    widget = create_widget(account, "Bench shop", operator_group=group)
    conversations = []
    for n in range(CONTACTS):
        contact = create_contact(account, name=f"Kunde {n}")
        presence.contact_tab_opened(contact, f"bench.contact.{n}")  # the messenger is open
        conversation = services.start_conversation(
            widget, contact, "Hallo, ich brauche Hilfe", actor=Actor.for_contact(contact)
        )
        assert conversation.is_live, "every seeded conversation is routed LIVE"
        conversations.append(conversation)
    return conversations, operators


def _timed(write, messages: int) -> dict:
    from messagecenter.jobs.models import OutboxEvent

    _drained(OutboxEvent)
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(messages):
        write(n)
    _drained(OutboxEvent)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"messages": messages, "cpu_ms_per_message": 1000 * cpu / messages, "wall_s": wall}


def _drained(OutboxEvent, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    waiting = OutboxEvent.objects.filter(processed_at__isnull=True, failed_at__isnull=True)
    while waiting.exists():
        if time.monotonic() > deadline:
            left = list(waiting.values_list("job", "attempts", "last_error")[:5])
            raise RuntimeError(f"the outbox was not drained in time: {left}")
        time.sleep(0.01)


def _raw_inserts(messages: int) -> dict:
    path = Path(os.environ["MC_DATA_DIR"]) / "baseline.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, conversation INT, body TEXT)")
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(messages):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO message (conversation, body) VALUES (?, ?)", (n % 200, f"m {n}"))
        db.execute("COMMIT")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    db.close()
    return {"messages": messages, "cpu_ms_per_message": 1000 * cpu / messages, "wall_s": wall}


def one_run(messages: int, src: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="mc-bench-write-") as folder:
        env = {**common.base_env(Path(folder)), "PYTHONPATH": str(src)}
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(messages)],
            env=env,
            capture_output=True,
            text=True,
        )
    if out.returncode:
        sys.exit(f"the measuring process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="per kind and run (2000)")
    parser.add_argument("--runs", type=int, default=3, help="repeats; medians reported (3)")
    parser.add_argument("--commit", help="measure this git revision's src/ (e.g. HEAD)")
    parser.add_argument("--out", help="JSON path (bench/results/write-path-<stamp>.json)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    src, label = ROOT / "src", "the working tree"
    if args.commit:
        src, commit = common.export_source(args.commit)
        label = f"commit {commit[:12]}"
    runs = [one_run(args.messages, src) for _ in range(args.runs)]
    print(_table(runs, label))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else common.RESULTS / f"write-path-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"source": label, "runs": runs}, indent=2))
    print(f"JSON: {out}")


def _table(runs: list[dict], label: str) -> str:
    def median(kind: str) -> float:
        return statistics.median(run[kind]["cpu_ms_per_message"] for run in runs)

    baseline = median("raw_sqlite_commit")
    rows = [
        [name, f"{median(kind):.2f}", f"{baseline:.3f}", f"{median(kind) / baseline:.0f}×"]
        for kind, name in (
            ("contact_follow_up", "contact follow-up in a LIVE chat"),
            ("operator_reply", "operator reply in a LIVE chat"),
        )
    ]
    headers = ["figure", "CPU ms per message", "raw SQLite commit (same run)", "ratio"]
    title = f"Write path of {label}: median of {len(runs)} run(s), CPU of the whole process"
    return title + "\n" + common.table(headers, rows)


if __name__ == "__main__":
    main()
