"""The Liveness port on Redis: workers refresh a heartbeat key, /readyz reads it."""

from __future__ import annotations

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error

HEARTBEAT_TTL_S = 20


class RedisLiveness:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def beat(self) -> None:
        self.redis.set(keys.worker_heartbeat(), "1", ex=HEARTBEAT_TTL_S)

    def check(self) -> tuple[bool, bool]:
        try:
            return True, bool(self.redis.exists(keys.worker_heartbeat()))
        except redis.RedisError:
            return False, False
