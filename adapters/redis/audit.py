"""The AuditLog port on Redis: the stream that Tickets.finish appends to, read newest last."""

from __future__ import annotations

from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error


class RedisAuditLog:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def tail(self, count: int) -> list[dict[str, str]]:
        entries = cast(list[Any], self.redis.xrevrange(keys.audit_stream(), count=count))
        return [
            {"id": entry_id.decode(), **{k.decode(): v.decode() for k, v in fields.items()}}
            for entry_id, fields in reversed(entries)
        ]
