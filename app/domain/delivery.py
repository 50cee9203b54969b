"""When a throttled result SMS is tried again (product.md, "Send time"). Pure: no I/O, no clocks.

A gateway that throttles a number does so for a minute, an hour or a day: retries a few seconds
apart are no retry at all. So a throttled result waits, from about a second up to a minute
between tries, for the retry window (SMS_RETRY_WINDOW_S); only then is the ticket `failed`.
"""

from __future__ import annotations

FIRST_WAIT_S = 1.0
LONGEST_WAIT_S = 60.0


def wait_before(retry: int) -> float:
    """The wait before the n-th retry (1, 2, ...): 1 s, doubling, at most a minute."""
    return min(LONGEST_WAIT_S, FIRST_WAIT_S * float(2 ** max(0, retry - 1)))


def retry_delay(retry: int, throttled_since: float, now: float, window_s: float) -> float | None:
    """How long to wait before the n-th retry, or None once the window is over. The last try
    falls at the window's end rather than after it."""
    left = throttled_since + window_s - now
    if left <= 0:
        return None
    return min(wait_before(retry), left)
