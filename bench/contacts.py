"""Contact import benchmark (issue "Contacts": 100,000 contacts in under 60 s).

One command:  .venv/bin/python bench/contacts.py [--rows 100000] [--runs 3] [--postgres]

For each run it builds a fresh database (SQLite in a temporary data folder, or a fresh
PostgreSQL database with --postgres), writes a realistic Excel-style CSV (semicolons, BOM,
German names, e-mails, phones in mixed notations, customer ids), and times the real import
path: ``contacts.importer.run_import`` (planning, validation, duplicate lookups, batched
writes, search indexing, progress commits). The same-run baseline is a raw bulk insert of the
same number of contact rows through the ORM in one transaction, so the ratio shows what the
product's checks cost. Prints a table of medians and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")

FIRST = ["Jörg", "Anna", "Lukas", "Sophie", "Mehmet", "Emma", "Jonas", "Lea", "Olivia", "Noah"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]


def make_csv(rows: int) -> bytes:
    lines = ["\ufeffName;E-Mail;Telefon;Firma;Kundennummer;Land"]
    for n in range(rows):
        name = f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}"
        phone = f"0151 {20000000 + n}" if n % 2 else f"+49 (30) {1000000 + n}"
        lines.append(f'{name};kunde{n}@example.de;{phone};"Firma {n % 97}; GmbH";K-{n};de')
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def worker(rows: int) -> dict:
    """Runs in a fresh process with its own database (see main)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from messagecenter.accounts import services as accounts
    from messagecenter.contacts import importer
    from messagecenter.contacts.models import Contact, ContactImport
    from messagecenter.core import clock

    account = accounts.create_account("Bench")
    data = make_csv(rows)
    mapping = {
        "Name": "name",
        "E-Mail": "email",
        "Telefon": "phone",
        "Firma": "company",
        "Kundennummer": "customer_id",
        "Land": "country",
    }
    job = ContactImport.objects.create(
        account=account, mapping=mapping, on_duplicate="skip", created_at=clock.now()
    )
    started = time.perf_counter()
    job = importer.run_import(job, data)
    seconds = time.perf_counter() - started
    assert job.created_count == rows, (job.created_count, job.problems[:3])

    baseline_account = accounts.create_account("Baseline")
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        Contact.objects.bulk_create(
            [
                Contact(account=baseline_account, name=f"Kunde {n}", customer_id=f"B-{n}")
                for n in range(rows)
            ],
            batch_size=1000,
        )
    baseline = time.perf_counter() - started
    return {
        "import_seconds": seconds,
        "baseline_seconds": baseline,
        "rows_per_second": rows / seconds,
    }


def one_run(rows: int, postgres: bool) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messagecenter.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "MC_TESTING"):
        env.pop(name, None)
    database = None
    with tempfile.TemporaryDirectory(prefix="mc-bench-contacts-") as folder:
        env["MC_DATA_DIR"] = folder
        env["MC_JOBS_IMMEDIATE"] = "1"
        if postgres:
            database = f"mc_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(
                ["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True
            )
            env["DATABASE_URL"] = f"{PG}/{database}"
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", str(rows)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
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
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    runs = [one_run(args.rows, args.postgres) for _ in range(args.runs)]
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"contact import, {args.rows:,} rows, {backend}, median of {args.runs} "
        "(2-core machine, shared with other work)"
    )
    print(f"{'figure':<34}{'median':>12}{'baseline':>12}{'ratio':>8}{'target':>10}")
    ratio = median["import_seconds"] / median["baseline_seconds"]
    met = "met" if median["import_seconds"] < 60 else "MISSED"
    print(
        f"{'import time (s)':<34}{median['import_seconds']:>12.1f}"
        f"{median['baseline_seconds']:>12.2f}{ratio:>8.1f}{'< 60 s':>10}  {met}"
    )
    print(f"{'rows per second':<34}{median['rows_per_second']:>12,.0f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"contacts-{backend.lower()}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {"rows": args.rows, "backend": backend, "runs": runs, "median": median}, indent=2
        )
    )
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
