"""The Clock port: the machine's wall clock, and its monotonic clock for durations."""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()
