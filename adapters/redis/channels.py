"""The Channels port on Redis: one hash, id -> the channel as JSON. Durable configuration, kept
without a TTL (keys.DURABLE; docs/design.md says how it is backed up)."""

from __future__ import annotations

import json
from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from app.domain.channels import Channel


class RedisChannels:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def create(self, channel: Channel) -> bool:
        return bool(self.redis.hsetnx(keys.channels(), channel.id, _dump(channel)))

    @unavailable_on_redis_error
    def get(self, channel_id: str) -> Channel | None:
        raw = cast(bytes | None, self.redis.hget(keys.channels(), channel_id))
        return _load(channel_id, raw) if raw else None

    @unavailable_on_redis_error
    def all(self) -> list[Channel]:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(keys.channels()))
        found = [_load(k.decode(), v) for k, v in raw.items()]
        return sorted(found, key=lambda c: (c.created_at, c.id))


def _dump(channel: Channel) -> str:
    value = {"name": channel.name, "region": channel.region, "created_at": channel.created_at}
    return json.dumps(value, ensure_ascii=False)


def _load(channel_id: str, raw: bytes) -> Channel:
    value: dict[str, Any] = json.loads(raw)
    return Channel(channel_id, value["name"], value.get("region"), float(value["created_at"]))
