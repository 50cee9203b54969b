"""The MyQueries port on Redis: 我的查询 reads a user's ticket ids (a sorted set that
Tickets.finish writes), then their records, in two round trips."""

from __future__ import annotations

from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.tickets import ticket_from
from app.domain.tickets import Ticket


class RedisMyQueries:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def recent(self, owner_h: str, since: float, limit: int) -> list[Ticket]:
        found = cast(
            list[bytes],
            self.redis.zrevrangebyscore(keys.my_queries(owner_h), "+inf", since, 0, limit),
        )
        if not found:
            return []
        ids = [ticket_id.decode() for ticket_id in found]
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hgetall(keys.ticket(ticket_id))
        records: list[Any] = pipe.execute()
        # a ticket that expired before its entry was trimmed is simply not listed
        return [ticket_from(i, raw) for i, raw in zip(ids, records, strict=True) if raw]
