"""The RateLimits port on Redis: a counter per subject and window (logins per network...)."""

from __future__ import annotations

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.scripts import TAKE_COUNT


class RedisRateLimits:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._take = client.register_script(TAKE_COUNT)

    @unavailable_on_redis_error
    def take(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        return int(self._take(keys=[keys.rate_limit(name, subject_h)], args=[limit, window_s, 0]))
