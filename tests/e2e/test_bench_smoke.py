"""`make bench` runs end to end with tiny numbers and prints its line (not a performance test)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from app.config import ROOT

LINE = re.compile(
    r"^bench: baseline_rps=[\d.]+ code_rps=[\d.]+ submit_rps=[\d.]+ submit_ratio=[\d.]+ "
    r"e2e_qps=[\d.]+ overhead_p50_ms=-?[\d.]+ overhead_p99_ms=-?[\d.]+ cpu_ms_per_query=[\d.]+ "
    r"journey_cpu_ms=[\d.]+$"
)


def tiny_run(module: str, out: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", module, "--tiny", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def test_bench_runs_with_tiny_numbers(tmp_path):
    done = tiny_run("bench", tmp_path)
    assert LINE.match(done.stdout.strip().splitlines()[-1]), done.stdout[-500:]
    (result,) = tmp_path.glob("bench-*.json")
    figures = json.loads(result.read_text())
    assert figures["completed_queries"] == figures["sustained_queries"] > 0
    assert set(figures["code_statuses"]) == {"202"}
    assert set(figures["login_statuses"]) == {"201"} and set(figures["poll_statuses"]) == {"200"}
    assert set(figures["journey_cpu_ms_by_step"]) == {
        "login",
        "code",
        "submit",
        "poll",
        "worker_run",
    }
    assert list(tmp_path.glob("bench-*.png"))
    funnel = figures["channel_funnel_today"]  # its users came from a QR-code channel
    codes = sum(figures["code_statuses"].values())  # a run across midnight counts in two days
    assert 0 < funnel["delivered"] <= funnel["queries"] <= funnel["code_requests"] <= codes


def test_the_gunicorn_sweep_runs_with_tiny_numbers(tmp_path):
    done = tiny_run("bench.sweep", tmp_path)
    (result,) = tmp_path.glob("sweep-*.json")
    rows = json.loads(result.read_text())
    assert [(r["processes"], r["threads"]) for r in rows] == [(2, 1), (2, 2)]
    for row in rows:
        for loop in ("poll", "code", "login"):
            assert row[loop]["rps"] > 0 and row[loop]["errors"] == 0, row
    assert "| gthread | 2 × 2 |" in done.stdout
