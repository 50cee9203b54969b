"""app/heap.py, in a child process: settle() must not change the test runner's collector."""

from __future__ import annotations

import subprocess
import sys

from app.config import ROOT

PROBE = (
    "import gc; from app.runtime import heap; heap.settle(); "
    "print(gc.get_threshold(), gc.get_freeze_count() > 0)"
)


def test_settle_freezes_the_heap_and_raises_the_young_threshold() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "(20000, 50, 50) True"
