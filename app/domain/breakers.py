"""The circuit breaker of each partner: when to stop calling it, and when to try again.

    closed ──(threshold failed calls in a row)──▶ open ──(cooldown over)──▶ half-open
      ▲                                                                      │
      └────────────────(the one probe succeeds)──────────────────────────────┤
                         open again ◀──(the probe fails)─────────────────────┘

- closed: every query calls the partner. A success resets the count of failures.
- open: no query calls it; it counts as unavailable (and `/services` says `degraded`).
- half-open: one query at a time probes it (the adapter holds a probe claim for a cooldown).

The state lives in Redis, shared by every worker (adapters/redis_breakers.py); the Lua script
there and the fakes apply `after_call` with this policy's threshold, nothing of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Admission(StrEnum):
    CALL = "call"  # closed: call it
    PROBE = "probe"  # half-open: call it if this query wins the probe claim
    SKIP = "skip"  # open: do not call it


@dataclass(frozen=True)
class BreakerRecord:
    """What is kept of a partner's breaker: failed calls in a row, and when it opened."""

    fails: int = 0
    opened_at: float | None = None


CLEAN = BreakerRecord()


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 5  # BREAKER_THRESHOLD: failed calls in a row that open it
    cooldown_s: float = 30.0  # BREAKER_COOLDOWN_S: open this long, then half-open

    def state(self, record: BreakerRecord, now: float) -> BreakerState:
        if record.opened_at is None:
            return BreakerState.CLOSED
        if now - record.opened_at < self.cooldown_s:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def admission(self, record: BreakerRecord, now: float) -> Admission:
        return {
            BreakerState.CLOSED: Admission.CALL,
            BreakerState.HALF_OPEN: Admission.PROBE,
            BreakerState.OPEN: Admission.SKIP,
        }[self.state(record, now)]

    def after_call(self, record: BreakerRecord, ok: bool, now: float) -> BreakerRecord:
        """A success closes it (and ends a probe); a failure counts, and at the threshold it
        opens (again) from now."""
        if ok:
            return CLEAN
        fails = record.fails + 1
        return BreakerRecord(fails, now if fails >= self.threshold else record.opened_at)


def worth_writing(
    results: Mapping[str, bool], records: Mapping[str, BreakerRecord]
) -> dict[str, bool]:
    """The calls worth writing back: every failure, and a success only where it changes
    something (failures counted, or a probe). A success on a clean breaker writes nothing, so a
    healthy query costs no breaker round trip. The price: a failure recorded by another worker
    between our read and our success is not reset by it, but by the next success that sees it.
    """
    return {p: ok for p, ok in results.items() if not ok or records.get(p, CLEAN) != CLEAN}
