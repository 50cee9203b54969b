"""bench/results/: a JSON file with every figure, a PNG plot, and the one-line summary."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

LINE_KEYS = (
    "baseline_rps",
    "code_rps",
    "submit_rps",
    "submit_ratio",
    "e2e_qps",
    "overhead_p50_ms",
    "overhead_p99_ms",
    "cpu_ms_per_query",
    "journey_cpu_ms",
)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def plot(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = figures["timeline"]
    seconds = [p["second"] for p in points]
    fig, throughput = plt.subplots(figsize=(9, 4.5))
    throughput.bar(seconds, [p["completed"] for p in points], color="#4c78a8", alpha=0.7)
    throughput.set_xlabel("seconds into the sustained phase")
    throughput.set_ylabel("queries completed per second", color="#4c78a8")
    latency = throughput.twinx()
    latency.plot(seconds, [p["latency_p50_ms"] for p in points], color="#e45756", marker=".")
    latency.set_ylabel("p50 submit → result SMS (ms)", color="#e45756")
    throughput.set_title(
        f"sustained {figures['offered_qps']:.0f} q/s offered: e2e {figures['e2e_qps']:.0f} q/s, "
        f"overhead p50 {figures['overhead_p50_ms']:.0f} ms, p99 {figures['overhead_p99_ms']:.0f} ms"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(figures: dict[str, Any], out: Path) -> str:
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    if figures.get("timeline"):
        plot(figures, out / f"bench-{stamp}.png")
    print(json.dumps({k: v for k, v in figures.items() if k != "timeline"}, indent=2))
    print(f"[bench] results: {out / f'bench-{stamp}.json'} and .png")
    return "bench: " + " ".join(
        f"{key}={figures[key]:.{3 if key == 'submit_ratio' else 1}f}" for key in LINE_KEYS
    )
