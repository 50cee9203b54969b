"""The DeliveryMarks port on Redis: the markers of a ticket's result SMS and platform notice, and
the throttled SMS that waits for its retry (app/services/delivery.py has what each means)."""

from __future__ import annotations

import redis

from adapters.redis import keys
from adapters.redis.errors import unavailable_on_redis_error as _unavailable_on_redis_error

SMS_MARKER_TTL_S = 7 * 86400

# Compare-and-set of the SMS marker: only one copy of a message takes the delivery.
SWAP_MARK = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""

# A throttled result SMS waits: marker, the sealed message, and the form gone, at once.
PARK_SMS = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
redis.call('DEL', KEYS[3])
return 1
"""


class RedisDeliveryMarks:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._swap_mark = client.register_script(SWAP_MARK)
        self._park_sms = client.register_script(PARK_SMS)

    @_unavailable_on_redis_error
    def claim_sms(self, ticket_id: str) -> bool:
        marker = keys.sms_marker(ticket_id)
        return bool(self.redis.set(marker, "sending", nx=True, ex=SMS_MARKER_TTL_S))

    @_unavailable_on_redis_error
    def sms_mark(self, ticket_id: str) -> str:
        value = self.redis.get(keys.sms_marker(ticket_id))
        if value is None:
            return ""
        mark = value.decode() if isinstance(value, bytes) else str(value)
        return "sending" if mark == "1" else mark  # markers written before "sending" hold "1"

    @_unavailable_on_redis_error
    def set_sms_mark(self, ticket_id: str, mark: str) -> None:
        self.redis.set(keys.sms_marker(ticket_id), mark, ex=SMS_MARKER_TTL_S)

    @_unavailable_on_redis_error
    def swap_sms_mark(self, ticket_id: str, expected: str, mark: str) -> bool:
        marker = keys.sms_marker(ticket_id)
        return bool(self._swap_mark(keys=[marker], args=[expected, mark, SMS_MARKER_TTL_S]))

    @_unavailable_on_redis_error
    def park_sms(self, ticket_id: str, mark: str, pending_sms: bytes, ttl_s: int) -> None:
        self._park_sms(
            keys=[
                keys.sms_marker(ticket_id),
                keys.pending_sms(ticket_id),
                keys.sealed_form(ticket_id),
            ],
            args=[mark, pending_sms, SMS_MARKER_TTL_S, max(1, ttl_s)],
        )

    @_unavailable_on_redis_error
    def parked_sms(self, ticket_id: str) -> bytes | None:
        value = self.redis.get(keys.pending_sms(ticket_id))
        return bytes(value) if value is not None else None  # type: ignore[arg-type]

    @_unavailable_on_redis_error
    def settle_sms(self, ticket_id: str, mark: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(keys.sms_marker(ticket_id), mark, ex=SMS_MARKER_TTL_S)
        pipe.delete(keys.pending_sms(ticket_id))
        pipe.execute()

    @_unavailable_on_redis_error
    def claim_notice(self, ticket_id: str) -> bool:
        marker = keys.notice_marker(ticket_id)
        return bool(self.redis.set(marker, "1", nx=True, ex=SMS_MARKER_TTL_S))
