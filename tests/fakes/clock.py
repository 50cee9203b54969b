"""A clock the test moves by hand: wall time and monotonic time advance together."""

from __future__ import annotations


class FixedClock:
    def __init__(self, now: float = 1_764_400_000.0) -> None:
        self.t = now

    def now(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
