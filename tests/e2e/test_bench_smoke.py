"""`make bench` runs end to end with tiny numbers and prints its line (not a performance test)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from app.config import ROOT

LINE = re.compile(
    r"^bench: baseline_rps=[\d.]+ code_rps=[\d.]+ submit_rps=[\d.]+ submit_ratio=[\d.]+ "
    r"e2e_qps=[\d.]+ overhead_p50_ms=-?[\d.]+ overhead_p99_ms=-?[\d.]+ cpu_ms_per_query=[\d.]+$"
)


def test_bench_runs_with_tiny_numbers(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert LINE.match(done.stdout.strip().splitlines()[-1]), done.stdout[-500:]
    (result,) = tmp_path.glob("bench-*.json")
    figures = json.loads(result.read_text())
    assert figures["completed_queries"] == figures["sustained_queries"] > 0
    assert set(figures["code_statuses"]) == {"202"}
    assert list(tmp_path.glob("bench-*.png"))
    funnel = figures["channel_funnel_today"]  # its users came from a QR-code channel
    codes = sum(figures["code_statuses"].values())  # a run across midnight counts in two days
    assert 0 < funnel["delivered"] <= funnel["queries"] <= funnel["code_requests"] <= codes
