"""The live-chat benchmark runs end to end in its CI size and writes its JSON.

Needs PostgreSQL and Redis on 127.0.0.1 (CI starts them). Only the shape of the result is
checked: benchmark targets are reported by ``bench/live.py``, never asserted in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

PHASES = {
    "latency": {"attempted", "delivered", "lost", "loss_pct", "p50_ms", "p99_ms"},
    "throughput": {"sustained_msg_s", "acked_msg_s", "delivered", "loss_pct", "cpu"},
    "idle": {"connections", "server_rss_mb", "server_rss_mb_empty", "kb_per_connection"},
}


@pytest.mark.timeout(600)
def test_quick_benchmark_runs_and_writes_json(tmp_path):
    out = tmp_path / "live.json"
    command = [sys.executable, str(ROOT / "bench" / "live.py"), "--quick", "--runs", "1"]
    done = subprocess.run(
        [*command, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "median of 1 run" in done.stdout

    result = json.loads(out.read_text())
    assert {"benchmark", "machine", "config", "summary", "runs", "missed", "source"} <= set(result)
    assert result["benchmark"] == "live" and result["quick"] is True
    assert len(result["runs"]) == 1
    run = result["runs"][0]
    assert {"echo", "sqlite", "postgres"} <= set(run["baseline"])
    assert run["baseline"]["sqlite"]["inserts_per_s"] > 0
    assert run["baseline"]["postgres"]["inserts_per_s"] > 0
    for mode in ("embedded", "scaleout"):
        for phase, keys in PHASES.items():
            assert keys <= set(run[mode][phase]), (mode, phase)
        assert run[mode]["latency"]["attempted"] > 0
        assert run[mode]["idle"]["connections"] > 0
    assert run["scaleout"]["processes"] == 2 and run["embedded"]["processes"] == 1
    # As users run it: embedded jobs in the server's process, scale-out with one worker.
    assert run["scaleout"]["workers"] == 1 and run["embedded"]["workers"] == 0

    keys = {row["key"] for row in result["summary"]}
    assert {
        "embedded.latency.p99_ms",
        "scaleout.latency.p99_ms",
        "scaleout.throughput.sustained_msg_s",
        "embedded.idle.server_rss_mb",
    } <= keys
    row_keys = {"figure", "median", "values", "baseline_median", "ratio_median", "target", "met"}
    for row in result["summary"]:
        assert row_keys <= set(row)
