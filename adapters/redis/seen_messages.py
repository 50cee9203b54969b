"""The SeenMessages port on Redis: one `SET NX EX` per message, so a retry finds it taken."""

from __future__ import annotations

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error

SEEN_TTL_S = 300  # WeChat retries 3 times within about 15 s; 5 minutes is ample


class RedisSeenMessages:
    def __init__(self, client: redis.Redis, ttl_s: int = SEEN_TTL_S) -> None:
        self.redis, self.ttl_s = client, ttl_s

    @unavailable_on_redis_error
    def first_time(self, mark: str) -> bool:
        return bool(self.redis.set(keys.oa_seen(mark), "1", nx=True, ex=self.ttl_s))
