"""Analytics benchmark: the Analytics page and Home's "my day" at a million conversations.

One command: ``.venv/bin/python bench/analytics.py [--quick] [--conversations N] [--backends …]``.

1. **Data** (cached under ``bench/.cache/``): ``bench/archive.py``'s generator writes a sample
   of real conversations with their timelines (``--sample``, default 5,000; the account, 20
   operators, 3 groups, 2 widgets with three channels, 10 topics come with it). Their metric
   rows are made by the application's own full recomputation (``analytics.services.verify``
   with ``fix``), which is timed. The rest up to N are metric rows bulk-inserted directly
   (one row per conversation is what the page reads), spread over 365 days with a working-day
   and working-hour pattern, so a 90-day period holds about a quarter of them.
2. **Measurements** against a real server process (uvicorn, production settings) over HTTP
   with a signed-in operator, p50/p95 over ``--repeat`` requests after a warm-up, ``--runs``
   times (the medians of the runs are reported): the full Analytics page for 90 days,
   filtered by operator and by channel, in business hours, a chart's CSV, Home (with "my
   day"), the same-run ``/healthz`` floor; *cold* pages (every request another 90-day period,
   so the cache cannot answer: unfiltered, one filter, two filters); then the
   per-conversation export (90 days, streamed).
3. **Raw recomputation**, same run: ``verify`` over the sample's conversations in a separate
   process (the folding of every timeline entry), as seconds and conversations per second.

Target: each Analytics view p95 <= 100 ms for a 90-day period (full HTML). JSON goes to
``bench/results/analytics-<stamp>.json``; a markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
import httpx
import psutil

import archive

GENERATOR_VERSION = 2
CACHE = common.BENCH / ".cache"
SECRET_KEY = archive.SECRET_KEY
BACKENDS = ("sqlite", "postgres")
BATCH = 5000
DAYS = 365
TARGET_MS = 100


# --- generating (in a subprocess with Django set up for the target) --------------------------


def generate(conversations: int, sample: int, seed: int = 11) -> dict[str, Any]:
    info = archive.generate(sample, seed)  # migrations, the account, real conversations
    from messagecenter.analytics import services
    from messagecenter.analytics.models import ConversationMetric

    started = time.monotonic()
    result = services.verify(fix=True, check_rollups=False)
    recompute_s = time.monotonic() - started
    real = ConversationMetric.objects.count()
    started = time.monotonic()
    bulk = _bulk_rows(max(0, conversations - real), random.Random(seed))
    rollups = ensure_rollups()
    _analyze()
    return {
        "rollups": rollups,
        **info,
        "analytics_rows": real + bulk,
        "recomputed_rows": real,
        "recompute_at_generation_s": round(recompute_s, 2),
        "recompute_checked": result.checked,
        "bulk_rows": bulk,
        "bulk_insert_s": round(time.monotonic() - started, 1),
    }


def _bulk_rows(count: int, rng: random.Random) -> int:
    from django.db import transaction

    from messagecenter.accounts.models import Account, Operator, OperatorGroup
    from messagecenter.analytics.models import ConversationMetric
    from messagecenter.conversations.models import Topic
    from messagecenter.widgets.models import ChannelConnection

    account = Account.objects.get(name="Bench GmbH")
    operators = list(Operator.objects.filter(account=account).values_list("pk", flat=True))
    groups = list(OperatorGroup.objects.filter(account=account).values_list("pk", flat=True))
    topics = list(Topic.objects.filter(account=account).values_list("pk", flat=True))
    channels = list(
        ChannelConnection.objects.filter(account=account).values_list("widget_id", "kind")
    )
    now = datetime.now(UTC)
    # In the order of their start, as the outbox writes them: a period's rows lie together.
    days = sorted(_day(now, rng) for _ in range(count))
    made = 0
    while made < count:
        rows = [
            _row(account.pk, made + n, day, rng, operators, groups, topics, channels)
            for n, day in enumerate(days[made : made + BATCH])
        ]
        with transaction.atomic():
            ConversationMetric.objects.bulk_create(rows)
        made += len(rows)
    return made


HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 14, 16, 18, 17, 15, 12, 8, 6, 4, 3, 2, 1]


def _day(now, rng):
    day = now.date() - timedelta(days=rng.randrange(DAYS))
    while day.weekday() >= 5 and rng.random() < 0.6:  # quieter weekends
        day -= timedelta(days=1)
    return day


def _row(account_id, n, day, rng, operators, groups, topics, channels):
    from messagecenter.analytics.models import ConversationMetric

    hour = rng.choices(range(24), HOURS)[0]
    start = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=UTC)
    widget_id, channel = rng.choice(channels)
    answered = rng.random() < 0.88
    first = int(rng.lognormvariate(5, 1.2)) if answered else None
    replies = rng.randrange(1, 5) if answered else 0
    reply_total = sum(int(rng.lognormvariate(5.5, 1)) for _ in range(replies))
    ended = rng.random() < 0.8
    resolution = int(rng.lognormvariate(8.5, 1.3)) if ended else None
    end = start + timedelta(seconds=resolution) if ended else None
    rated = ended and rng.random() < 0.15
    return ConversationMetric(
        account_id=account_id,
        conversation_key=f"cv_b{n:011d}",
        channel=channel,
        widget_id=widget_id,
        topic_id=rng.choice(topics) if rng.random() < 0.6 else None,
        group_id=rng.choice(groups),
        operator_id=rng.choice(operators) if answered or rng.random() < 0.5 else None,
        last_seq=rng.randrange(3, 30),
        status="ended" if ended else rng.choice(("new", "open", "waiting")),
        started_at=start,
        local_day=start.date(),
        local_hour=start.hour,
        local_weekday=start.weekday(),
        first_contact_at=start,
        first_response_at=start + timedelta(seconds=first) if answered else None,
        first_response_seconds=first,
        reply_count=replies,
        reply_seconds_total=reply_total,
        reply_seconds_mean=round(reply_total / replies) if replies else None,
        # The bench widgets have no business hours: always open, business = calendar.
        first_response_business_seconds=first,
        reply_business_total=reply_total,
        reply_business_mean=round(reply_total / replies) if replies else None,
        contact_messages=rng.randrange(1, 8),
        operator_messages=replies + rng.randrange(0, 3) if answered else 0,
        ended_at=end,
        ended_local_day=end.date() if end else None,
        resolution_seconds=resolution,
        resolution_business_seconds=resolution,
        reopened=1 if rng.random() < 0.05 else 0,
        was_live=rng.random() < 0.4,
        rating=rng.choices((1, 2, 3, 4, 5), (3, 3, 8, 30, 56))[0] if rated else None,
        rated_at=end if rated else None,
        rated_local_day=end.date() if rated else None,
        has_feedback=rated and rng.random() < 0.3,
    )


def ensure_rollups() -> dict[str, Any]:
    """The daily roll-ups of the bulk rows (written without the outbox handler): recounted
    from the metric rows by ``analytics.rollups.rebuild``, the repair ``analytics_verify
    --fix`` uses. Data cached before the roll-ups existed get their business-hours columns
    (no widget has hours: equal to calendar time) and roll-ups here, once."""
    from messagecenter.accounts.models import Account
    from messagecenter.analytics import rollups
    from messagecenter.analytics.models import ConversationMetric, DailyRollup

    account = Account.objects.get(name="Bench GmbH")
    if DailyRollup.objects.filter(account=account).exists():
        return {"rows": DailyRollup.objects.filter(account=account).count(), "seconds": 0}
    started = time.monotonic()
    from django.db.models import F

    bare = ConversationMetric.objects.filter(
        account=account, first_response_business_seconds__isnull=True
    )
    bare.filter(first_response_seconds__isnull=False).update(
        first_response_business_seconds=F("first_response_seconds"),
        reply_business_total=F("reply_seconds_total"),
        reply_business_mean=F("reply_seconds_mean"),
    )
    ConversationMetric.objects.filter(
        account=account, resolution_business_seconds__isnull=True, resolution_seconds__isnull=False
    ).update(resolution_business_seconds=F("resolution_seconds"))
    made = rollups.rebuild(account.pk)
    _analyze()
    return {"rows": made, "seconds": round(time.monotonic() - started, 1)}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def recompute() -> dict[str, Any]:
    """The raw recomputation, timed in this process (the same-run figure)."""
    archive._django()
    from messagecenter.analytics import services

    started = time.perf_counter()
    # The folding of every timeline entry; the roll-up recount is a separate maintenance step.
    result = services.verify(check_rollups=False)
    seconds = time.perf_counter() - started
    return {
        "conversations": result.checked,
        "seconds": round(seconds, 2),
        "per_second": round(result.checked / seconds) if seconds else None,
        "agrees": result.agrees,
    }


# --- the cache ----------------------------------------------------------------------------


def cache_name(conversations: int, sample: int) -> str:
    return f"analytics_{conversations}_{sample}_v{GENERATOR_VERSION}"


def backend_env(backend: str, conversations: int, sample: int) -> dict[str, str]:
    name = cache_name(conversations, sample)
    data_dir = CACHE / f"{name}-{backend}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = common.base_env(data_dir)
    env.update(SECRET_KEY=SECRET_KEY, PYTHONPATH=str(common.ROOT / "src"), MC_DEBUG="0")
    if backend == "postgres":
        env["DATABASE_URL"] = f"{common.PG}/{name}"
    return env


def ensure_data(backend: str, options: Options) -> dict[str, Any]:
    env = backend_env(backend, options.conversations, options.sample)
    data_dir = Path(env["MC_DATA_DIR"])
    marker = data_dir / "generated.json"
    if marker.exists() and not options.regenerate:
        return json.loads(marker.read_text())
    marker.unlink(missing_ok=True)
    _drop(backend, cache_name(options.conversations, options.sample), data_dir)
    archive.say(f"{backend}: generating {options.conversations:,} analytics rows in {data_dir}")
    done = _run(
        env, "_generate", "--conversations", options.conversations, "--sample", options.sample
    )
    marker.write_text(json.dumps(done, indent=2))
    return done


def _drop(backend: str, name: str, data_dir: Path) -> None:
    if backend == "sqlite":
        for path in data_dir.glob("messagecenter.sqlite3*"):
            path.unlink()
        return
    import psycopg

    with psycopg.connect(f"{common.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(env: dict[str, str], *args: Any) -> dict[str, Any]:
    done = subprocess.run(
        [common.PYTHON, __file__, *map(str, args)],
        env=env,
        cwd=common.ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Options:
    conversations: int = 1_000_000
    sample: int = 5_000
    backends: tuple[str, ...] = BACKENDS
    repeat: int = 20
    runs: int = 3
    warmup: int = 2
    regenerate: bool = False
    out: Path | None = None


def measure_backend(backend: str, options: Options, log_dir: Path) -> dict[str, Any]:
    info = ensure_data(backend, options)
    env = backend_env(backend, options.conversations, options.sample)
    subprocess.run(
        [common.PYTHON, "-m", "django", "migrate", "--verbosity", "0"],
        env=env,
        cwd=common.ROOT,
        check=True,
    )
    ids = _run(env, "_session")
    results: dict[str, Any] = {"data": info, "rollups": _run(env, "_rollups")}
    archive.say(f"{backend}: raw recomputation")
    results["recompute"] = _run(env, "_recompute")
    server = common.start_uvicorn(env, log_dir, name=f"analytics-{backend}")
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            cookies={"mc_session": ids["session"]},
            timeout=600,
            headers={"Accept": "text/html"},
        )
        urls = {
            "analytics_90d": "/analytics/?period=90",
            "analytics_90d_operator": f"/analytics/?period=90&operator={ids['operator']}",
            "analytics_90d_channel": "/analytics/?period=90&channel=email",
            "analytics_30d": "/analytics/?period=30",
            "analytics_90d_business": "/analytics/?period=90&clock=business",
            "chart_csv_day_90d": "/analytics/charts/day.csv?period=90",
            "home_my_day": "/",
        }
        # Cold: every request another 90-day period (ending 1, 2, 3… days earlier), so no
        # cached number helps; the same filters as above.
        cold = {
            "analytics_90d_cold": "",
            "analytics_90d_operator_cold": f"&operator={ids['operator']}",
            "analytics_90d_channel_cold": "&channel=email",
            "analytics_90d_two_filters_cold": f"&operator={ids['operator']}&channel=email",
        }
        runs: dict[str, list[dict[str, Any]]] = {}
        for run in range(options.runs):
            archive.say(f"{backend}: run {run + 1} of {options.runs}")
            measured = {
                "healthz": archive.timed(client, "/healthz", options.repeat, options.warmup)
            }
            for key, url in urls.items():
                measured[key] = archive.timed(client, url, options.repeat, options.warmup)
            for key, extra in cold.items():
                offset = 1 + run * options.repeat
                measured[key] = timed_periods(client, extra, offset, options.repeat)
            for key, found in measured.items():
                runs.setdefault(key, []).append(found)
        for key, found in runs.items():
            results[key] = {
                "p50_ms": common.rounded(statistics.median(r["p50_ms"] for r in found)),
                "p95_ms": common.rounded(statistics.median(r["p95_ms"] for r in found)),
                "runs": found,
            }
        started = time.perf_counter()
        export = client.get("/analytics/conversations.csv?period=90")
        export.raise_for_status()
        seconds = time.perf_counter() - started
        rows = export.text.count("\n") - 1
        results["export_90d"] = {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
        }
        results["server_log"] = server.log_problems()
    finally:
        server.stop()
    return results


def timed_periods(client: httpx.Client, extra: str, offset: int, repeat: int) -> dict[str, Any]:
    """The Analytics page for ``repeat`` different 90-day periods: each one a cache miss."""
    today = datetime.now(UTC).date()
    samples = []
    for n in range(repeat):
        day_to = today - timedelta(days=offset + n)
        day_from = day_to - timedelta(days=89)
        url = f"/analytics/?period=custom&day_from={day_from}&day_to={day_to}{extra}"
        start = time.perf_counter()
        client.get(url).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": common.rounded(common.percentile(samples, 50)),
        "p95_ms": common.rounded(common.percentile(samples, 95)),
    }


def render(results: dict[str, dict]) -> str:
    keys = [
        "healthz",
        "analytics_90d",
        "analytics_90d_operator",
        "analytics_90d_channel",
        "analytics_30d",
        "analytics_90d_business",
        "analytics_90d_cold",
        "analytics_90d_operator_cold",
        "analytics_90d_channel_cold",
        "analytics_90d_two_filters_cold",
        "chart_csv_day_90d",
        "home_my_day",
    ]
    backends = list(results)
    lines = [
        "| measure | " + " | ".join(f"{b} p50 / p95 ms" for b in backends) + " |",
        "| --- |" + " --- |" * len(backends),
    ]
    for key in keys:
        cells = []
        for backend in backends:
            found = results[backend].get(key, {})
            met = (
                ""
                if key == "healthz"
                else (" ✓" if (found.get("p95_ms") or 1e9) <= TARGET_MS else " ✗")
            )
            cells.append(f"{found.get('p50_ms')} / {found.get('p95_ms')}{met}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    for backend in backends:
        data, raw = results[backend]["data"], results[backend]["recompute"]
        export = results[backend].get("export_90d", {})
        lines.append(
            f"\n{backend}: {data['analytics_rows']:,} metric rows ({data['recomputed_rows']:,} "
            f"from real timelines); raw recomputation of {raw['conversations']:,} conversations "
            f"{raw['seconds']} s ({raw['per_second']}/s, agrees: {raw['agrees']}); export 90 d "
            f"{export.get('rows')} rows in {export.get('seconds')} s"
        )
    return "\n".join(lines)


def parse(argv) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 10,000 rows, 1,000 real")
    parser.add_argument("--conversations", type=int, help="metric rows (1,000,000)")
    parser.add_argument("--sample", type=int, help="real conversations among them (5,000)")
    parser.add_argument("--backends", help="comma-separated: sqlite,postgres (both)")
    parser.add_argument("--repeat", type=int, help="timed requests per measure (20)")
    parser.add_argument("--runs", type=int, help="runs of every measure; medians reported (3)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached data")
    parser.add_argument("--out", type=Path, help="JSON path")
    args = parser.parse_args(argv)
    options = Options()
    if args.quick:
        options.conversations, options.sample, options.repeat = 10_000, 1_000, 10
    options.conversations = args.conversations or options.conversations
    options.sample = args.sample or options.sample
    options.repeat = args.repeat or options.repeat
    options.runs = args.runs or options.runs
    if args.backends:
        options.backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
        if set(options.backends) - set(BACKENDS):
            parser.error("backends are sqlite and postgres")
    options.regenerate, options.out = args.regenerate, args.out
    return options


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_generate"]:
        conversations = int(argv[argv.index("--conversations") + 1])
        sample = int(argv[argv.index("--sample") + 1])
        print(json.dumps(generate(conversations, sample), default=str))
        return 0
    if argv[:1] == ["_session"]:
        print(json.dumps(archive.session()))
        return 0
    if argv[:1] == ["_rollups"]:
        archive._django()
        print(json.dumps(ensure_rollups()))
        return 0
    if argv[:1] == ["_recompute"]:
        print(json.dumps(recompute()))
        return 0
    options = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = common.RESULTS / f"logs-analytics-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results = {backend: measure_backend(backend, options, log_dir) for backend in options.backends}
    out = options.out or common.RESULTS / f"analytics-{stamp}.json"
    document = {
        "benchmark": "analytics",
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()},
        "results": results,
    }
    out.write_text(json.dumps(document, indent=2, default=str))
    print(render(results))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
