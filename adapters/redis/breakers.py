"""The Breakers port on Redis: every partner's breaker record in one hash, shared by all
workers (`<partner>:fails`, `<partner>:opened_at`), and a probe claim per partner.

The record script applies BreakerPolicy.after_call with the threshold it is given. A query reads
the records through CachedBreakers, so a busy worker reads the hash about once a second rather
than once a query; its own writes clear its cache at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from app.domain.breakers import BreakerPolicy, BreakerRecord
from app.ports.runtime import Clock
from app.ports.state import Breakers

# The calls' results (ARGV[4..]: partner, '1'|'0' pairs; KEYS[2..]: their probe keys): a
# success closes the breaker and frees the probe; a failure counts, and at the threshold
# (ARGV[1]) the breaker opens from now (ARGV[2]).
RECORD_CALLS = """
local threshold = tonumber(ARGV[1])
for i = 2, #KEYS do
  local partner, ok = ARGV[2 * i], ARGV[2 * i + 1]
  if ok == '1' then
    redis.call('HDEL', KEYS[1], partner .. ':fails', partner .. ':opened_at')
    redis.call('DEL', KEYS[i])
  else
    local fails = redis.call('HINCRBY', KEYS[1], partner .. ':fails', 1)
    if fails >= threshold then redis.call('HSET', KEYS[1], partner .. ':opened_at', ARGV[2]) end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
"""
BREAKER_KEY_TTL_S = 86400


class RedisBreakers:
    def __init__(self, client: redis.Redis, policy: BreakerPolicy) -> None:
        self.redis = client
        self.policy = policy
        self._record = client.register_script(RECORD_CALLS)

    @unavailable_on_redis_error
    def records(self) -> dict[str, BreakerRecord]:
        fields = cast(dict[bytes, bytes], self.redis.hgetall(keys.breakers()))
        found: dict[str, dict[str, bytes]] = {}
        for name, value in fields.items():
            partner, _, field = name.decode().rpartition(":")
            found.setdefault(partner, {})[field] = value
        return {
            partner: BreakerRecord(
                int(values.get("fails", 0)),
                float(values["opened_at"]) if "opened_at" in values else None,
            )
            for partner, values in found.items()
        }

    @unavailable_on_redis_error
    def claim_probe(self, partner_id: str) -> bool:
        ttl_ms = max(1, int(self.policy.cooldown_s * 1000))
        return bool(self.redis.set(keys.breaker_probe(partner_id), "1", nx=True, px=ttl_ms))

    @unavailable_on_redis_error
    def record(self, results: Mapping[str, bool], now: float) -> None:
        if not results:
            return
        self._record(
            keys=[keys.breakers(), *(keys.breaker_probe(p) for p in results)],
            args=[
                self.policy.threshold,
                now,
                BREAKER_KEY_TTL_S,
                *(item for p, ok in results.items() for item in (p, "1" if ok else "0")),
            ],
        )


class CachedBreakers:
    """The Breakers port, its records read at most every `max_age_s` per process."""

    def __init__(self, breakers: Breakers, clock: Clock, max_age_s: float = 1.0) -> None:
        self._breakers, self._clock, self._max_age_s = breakers, clock, max_age_s
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._records: dict[str, BreakerRecord] = {}

    def records(self) -> dict[str, BreakerRecord]:
        now = self._clock.monotonic()
        with self._lock:
            if now - self._read_at < self._max_age_s:
                return dict(self._records)
        records = self._breakers.records()
        with self._lock:
            self._records, self._read_at = records, now
        return dict(records)

    def claim_probe(self, partner_id: str) -> bool:
        return self._breakers.claim_probe(partner_id)

    def record(self, results: Mapping[str, bool], now: float) -> None:
        self._breakers.record(results, now)
        with self._lock:
            self._read_at = float("-inf")  # our own change: read it back next time
