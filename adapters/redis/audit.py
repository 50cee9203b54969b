"""The AuditLog port on Redis: the stream that Tickets.finish, the reports and the admin API
append to, read newest last. Retention: 7 days, trimmed by age at every add; at most about
100,000 events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error

AUDIT_MAXLEN = 100_000  # a ceiling on memory, whatever the traffic
AUDIT_RETENTION_S = 7 * 86400  # as long as the tickets and reports the events are about


def append_event(pipe: Any, event: Mapping[str, str], now: float) -> None:
    """Queue an event in a pipeline, with the stream's trimming and expiry."""
    stream = keys.audit_stream()
    pipe.xadd(stream, cast(Any, dict(event)), maxlen=AUDIT_MAXLEN, approximate=True)
    # Events older than the retention go, and an idle stream goes as a whole.
    pipe.xtrim(stream, minid=int((now - AUDIT_RETENTION_S) * 1000), approximate=False)
    pipe.expire(stream, AUDIT_RETENTION_S)


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

    @unavailable_on_redis_error
    def record(self, event: Mapping[str, str], now: float) -> None:
        pipe = self.redis.pipeline(transaction=False)
        append_event(pipe, event, now)
        pipe.execute()
