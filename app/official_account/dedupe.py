"""WeChat retries a message it thinks was lost; the retry must not be answered again.

One `SET NX EX` per message: the first delivery takes the mark, later ones find it taken.
"""

from __future__ import annotations

import redis

from adapters import redis_keys as keys
from app.domain.hashing import KeyedHasher
from app.official_account.protocol import Incoming
from app.ports import StoreUnavailable

SEEN_TTL_S = 300  # WeChat retries 3 times within about 15 s; 5 minutes is ample


class SeenMessages:
    def __init__(self, client: redis.Redis, hasher: KeyedHasher, ttl_s: int = SEEN_TTL_S) -> None:
        self._redis = client
        self._hasher = hasher
        self._ttl_s = ttl_s

    def first_delivery(self, incoming: Incoming) -> bool:
        """True the first time this message (or event) is seen within the TTL."""
        try:
            return bool(self._redis.set(self.key_of(incoming), "1", nx=True, ex=self._ttl_s))
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    def key_of(self, incoming: Incoming) -> str:
        if incoming.msg_id:
            return keys.oa_message_seen(incoming.msg_id)
        # Events carry no MsgId: FromUserName + CreateTime + Event + EventKey (api.md), so two
        # events of one user in one second (a scan, then a menu click) are two. The openid and
        # the event are keyed hashes: an EventKey is whatever a QR code or menu carries.
        openid_h = self._hasher.identifier("openid", incoming.user)
        event_h = self._hasher.identifier("oa-event", f"{incoming.event}\n{incoming.key}")
        return keys.oa_event_seen(openid_h, incoming.create_time, event_h[:12])
