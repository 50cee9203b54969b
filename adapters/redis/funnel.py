"""The Funnel port on Redis: one hash per China-time day (keys.funnel_day), beside the channels'
hash, so an arrival is resolved (its channel, or `unknown`) and counted in one script.

The other stages are counted where their requests already write: the code request in the
quotas' script (adapters/redis/quotas.py), queries and deliveries in Tickets.finish's pipeline.
`add_count` is the step they share; every count also adds to the day's `*` total, which
/metrics reads (all channels together: bounded label cardinality).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.scripts import pipelined_script
from app.domain.channels import UNKNOWN, FunnelPolicy, FunnelStage, day_of

ALL = "*"  # the field prefix of the day's totals; never a channel id (CHANNEL_ID)

# KEYS: the channels' hash, the day's funnel. ARGV: the channel, its field, unknown's field,
# the total's field, the day's expiry, unknown's id. Returns the channel it counted for.
ARRIVE = """
local channel, field = ARGV[1], ARGV[2]
if redis.call('HEXISTS', KEYS[1], channel) == 0 then channel, field = ARGV[6], ARGV[3] end
redis.call('HINCRBY', KEYS[2], field, 1)
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
redis.call('EXPIREAT', KEYS[2], ARGV[5])
return channel
"""
# KEYS[1]: a day's funnel. ARGV: the channel's field, the total's field, by how much, expiry.
COUNT = """
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIREAT', KEYS[1], ARGV[4])
return 0
"""


def field(channel: str, stage: FunnelStage) -> str:
    return f"{channel}:{stage}"


@dataclass(frozen=True)
class Count:
    """One stage of one channel, counted in the day of `at`."""

    key: str
    fields: tuple[str, str]  # the channel's, the day's total
    expire_at: int

    @classmethod
    def of(cls, policy: FunnelPolicy, channel: str, stage: FunnelStage, at: float) -> Count:
        day = day_of(at)
        pair = (field(channel, stage), field(ALL, stage))
        return cls(keys.funnel_day(day), pair, policy.expires_at(day))

    def args(self, by: int = 1) -> list[Any]:
        return [*self.fields, by, self.expire_at]


def add_count(pipe: Any, count: Count, by: int = 1) -> None:
    """Queue a count (or, with by=-1, its undoing) in a pipeline."""
    pipelined_script(pipe, COUNT, [count.key], count.args(by))


class RedisFunnel:
    def __init__(self, client: redis.Redis, policy: FunnelPolicy) -> None:
        self.redis, self.policy = client, policy
        self._arrive = client.register_script(ARRIVE)

    @unavailable_on_redis_error
    def arrive(self, channel_id: str, stage: FunnelStage, now: float) -> str:
        day = day_of(now)
        counted = self._arrive(
            keys=[keys.channels(), keys.funnel_day(day)],
            args=[
                channel_id,
                field(channel_id, stage),
                field(UNKNOWN, stage),
                field(ALL, stage),
                self.policy.expires_at(day),
                UNKNOWN,
            ],
        )
        return counted.decode() if isinstance(counted, bytes) else str(counted)

    @unavailable_on_redis_error
    def days(self, channel_id: str, days: Sequence[str]) -> list[dict[FunnelStage, int]]:
        return self._read(channel_id, days)

    @unavailable_on_redis_error
    def totals(self, day: str) -> dict[FunnelStage, int]:
        return self._read(ALL, [day])[0]

    def _read(self, channel: str, days: Sequence[str]) -> list[dict[FunnelStage, int]]:
        stages = list(FunnelStage)
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.hmget(keys.funnel_day(day), [field(channel, s) for s in stages])
        return [
            {stage: int(value or 0) for stage, value in zip(stages, values, strict=True)}
            for values in pipe.execute()
        ]
