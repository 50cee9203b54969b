"""The Nonces port on Redis: a signed partner call's nonce, seen once (SET NX EX)."""

from __future__ import annotations

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error


class RedisNonces:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def first_use(self, scope: str, nonce: str, ttl_s: int) -> bool:
        key = keys.partner_nonce(scope, nonce)
        return bool(self.redis.set(key, "1", nx=True, ex=max(1, ttl_s)))
