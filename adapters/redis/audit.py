"""The AuditLog port on Redis: the stream that Tickets.finish appends to, read newest last."""

from __future__ import annotations

from collections.abc import Mapping
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


AUDIT_MAXLEN = 100_000  # a ceiling on memory, whatever the traffic
AUDIT_RETENTION_S = 7 * 86400  # as long as the tickets and reports the events are about


def append_event(pipe: Any, event: Mapping[str, str], now: float) -> None:
    """Queue an event on the stream: events older than the retention go, and an idle stream goes
    as a whole (as Tickets.finish does for a query's event)."""
    stream = keys.audit_stream()
    pipe.xadd(stream, dict(event), maxlen=AUDIT_MAXLEN, approximate=True)
    pipe.xtrim(stream, minid=int((now - AUDIT_RETENTION_S) * 1000), approximate=False)
    pipe.expire(stream, AUDIT_RETENTION_S)
