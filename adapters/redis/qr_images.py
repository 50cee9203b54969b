"""The QrImages port on Redis: each channel's QR image as its platform made it, for a while
(QRCODE_CACHE_TTL_S), since the platforms rate-limit the calls that make them."""

from __future__ import annotations

import hashlib
from typing import cast

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error
from app.domain.channels import QrKind


class RedisQrImages:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @unavailable_on_redis_error
    def get(self, kind: QrKind, channel_id: str, variant: str) -> bytes | None:
        return cast(bytes | None, self.redis.get(_key(kind, channel_id, variant)))

    @unavailable_on_redis_error
    def put(self, kind: QrKind, channel_id: str, variant: str, png: bytes, ttl_s: int) -> None:
        self.redis.set(_key(kind, channel_id, variant), png, ex=ttl_s)


def _key(kind: QrKind, channel_id: str, variant: str) -> str:
    return keys.qr_image(str(kind), channel_id, hashlib.sha256(variant.encode()).hexdigest()[:16])
