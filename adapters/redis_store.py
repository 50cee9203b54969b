"""The Store port on Redis: one Lua script or one pipeline per check-and-update."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from adapters import redis_keys as keys
from adapters.redis_errors import unavailable_on_redis_error as _unavailable_on_redis_error
from adapters.redis_quotas import QuotaTaker, give_back_count, pipelined_script
from adapters.redis_sms import PARK_SMS, SMS_MARKER_TTL_S, SWAP_MARK, SmsMarkers
from app.ports import Begun, Breaker, CodeCheck, CodeIssue, Ticket

AUDIT_MAXLEN = 100_000  # a ceiling on memory, whatever the traffic
AUDIT_RETENTION_S = 7 * 86400  # as long as the tickets the events are about

# KEYS: the code, the ticket, its sealed form, and (on a single Redis) the user's submit counter.
# The submit limit is checked and taken first. A code answers only the user who asked for it
# (field u): anyone else gets 'expired', exactly as when no code exists, and spends nothing.
# A wrong attempt of the owner counts, and the last one burns the code. On success the code is
# burnt and the ticket (fields from ARGV[9]) and its sealed form are created: one slot.
REDEEM_CODE = """
if #KEYS == 4 then
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then
    local ms = redis.call('PTTL', KEYS[4])
    if ms < 0 then return {'limited', 1} end
    return {'limited', math.ceil(ms / 1000)}
  end
  if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[8]) end
end
local code = redis.call('HMGET', KEYS[1], 'd', 'u')
if not code[1] or code[2] ~= ARGV[6] then return {'expired', 0} end
if code[1] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], unpack(ARGV, 9))
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[4])
  return {'ok', 0}
end
local left = tonumber(ARGV[2]) - redis.call('HINCRBY', KEYS[1], 'a', 1)
if left <= 0 then redis.call('DEL', KEYS[1]) end
return {'mismatch', math.max(left, 0)}
"""
SUBMIT_WINDOW_S = 3600

# The worker's first step: the ticket (flat HGETALL), its sealed form and any result SMS waiting
# for a retry; a live ticket with either is marked processing. {} for an unknown ticket.
BEGIN = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local form = redis.call('GET', KEYS[2])
local pending = redis.call('GET', KEYS[3])
local status = redis.call('HGET', KEYS[1], 'status')
if (form or pending) and status ~= 'delivered' and status ~= 'failed' then
  redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[1])
end
return {fields, form, pending}
"""

# The calls' results (ARGV[4..]: partner, '1'|'0' pairs; KEYS[2..]: their probe keys): a
# success closes the breaker and frees the probe; a failure counts, and the threshold opens it.
RECORD_CALLS = """
local threshold = tonumber(ARGV[1])
for i = 2, #KEYS do
  local partner, ok = ARGV[2 * i], ARGV[2 * i + 1]
  if ok == '1' then
    redis.call('HDEL', KEYS[1], partner .. ':fails', partner .. ':opened_at')
    redis.call('DEL', KEYS[i])
  else
    local fails = redis.call('HINCRBY', KEYS[1], partner .. ':fails', 1)
    if fails >= threshold then redis.call('HSET', KEYS[1], partner .. ':opened_at', ARGV[2]) end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
"""
BREAKER_KEY_TTL_S = 86400


CLUSTER_SCHEME = "redis+cluster://"


def connect(url: str, timeout_s: float) -> redis.Redis:
    """Short timeouts and no retry loop: while Redis is down, answer 503 within seconds.

    `redis+cluster://host:port` connects to a Redis Cluster through any of its nodes; every
    key has a hash tag (adapters/redis_keys.py), so each script and transaction stays in a slot.
    """
    if url.startswith(CLUSTER_SCHEME):
        return RedisCluster.from_url(  # type: ignore[return-value]
            "redis://" + url.removeprefix(CLUSTER_SCHEME),
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


class RedisStore(SmsMarkers):
    def __init__(
        self,
        client: redis.Redis,
        ticket_ttl_s: int = 7 * 86400,
        breaker_threshold: int = 5,
        breaker_cooldown_s: float = 30.0,
    ) -> None:
        self.redis = client
        self.ticket_ttl_s = ticket_ttl_s
        self.breaker_threshold = breaker_threshold
        self.breaker_cooldown_s = breaker_cooldown_s
        self._quotas = QuotaTaker(client, cluster=isinstance(client, RedisCluster))
        self._redeem_code = client.register_script(REDEEM_CODE)
        self._record_calls = client.register_script(RECORD_CALLS)
        self._swap_mark = client.register_script(SWAP_MARK)
        self._park_sms = client.register_script(PARK_SMS)

    @_unavailable_on_redis_error
    def ping(self) -> bool:
        return bool(self.redis.ping())

    @_unavailable_on_redis_error
    def issue_code(self, issue: CodeIssue) -> tuple[int, str]:
        return self._quotas.take(issue)

    @_unavailable_on_redis_error
    def take_limit(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        return self._quotas.take_count(keys.rate_limit(name, subject_h), limit, window_s)

    @_unavailable_on_redis_error
    def cancel_code(self, issue: CodeIssue) -> None:
        phone_q, id_q, user_l, ip_l, code_k = self._code_keys(issue)
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(phone_q)  # one key per DEL: cluster pipelines refuse multi-key DEL
        pipe.delete(code_k)
        if issue.id_h:
            pipe.delete(id_q)
        give_back_count(pipe, user_l)
        give_back_count(pipe, ip_l)
        pipe.execute()

    @staticmethod
    def _code_keys(issue: CodeIssue) -> list[str]:
        return [
            keys.phone_quota(issue.phone_h, issue.service),
            keys.id_quota(issue.id_h or "-"),
            keys.user_limit(issue.user_h),
            keys.ip_limit(issue.ip_h),
            keys.code(issue.phone_h, issue.service),
        ]

    def new_ticket_id(self, phone_h: str) -> str:
        return keys.new_ticket_id(phone_h)

    @_unavailable_on_redis_error
    def redeem_code(
        self,
        service: str,
        phone_h: str,
        digest: str,
        max_attempts: int,
        ticket: Ticket,
        sealed_form: bytes,
        form_ttl_s: int,
        submit_limit: int,
    ) -> CodeCheck:
        fields = [item for pair in _ticket_fields(ticket).items() for item in pair]
        code_keys = [
            keys.code(phone_h, service),
            keys.ticket(ticket.id),
            keys.sealed_form(ticket.id),
        ]
        limiter = keys.user_submits(ticket.owner_h)
        if self._quotas.cluster:
            # The user's counter lives in another slot: a round trip of its own, first.
            wait = self._quotas.take_count(limiter, submit_limit, SUBMIT_WINDOW_S)
            if wait:
                return CodeCheck("limited", wait)
        else:
            code_keys.append(limiter)
        outcome, number = self._redeem_code(
            keys=code_keys,
            args=[
                digest,
                max_attempts,
                self.ticket_ttl_s,
                form_ttl_s,
                sealed_form,
                ticket.owner_h,
                submit_limit,
                SUBMIT_WINDOW_S,
                *fields,
            ],
        )
        outcome = outcome.decode()
        if outcome == "limited":
            return CodeCheck(outcome, retry_after=int(number))
        return CodeCheck(outcome, int(number))

    @_unavailable_on_redis_error
    def begin(self, ticket_id: str, now: float) -> Begun:
        pipe = self.redis.pipeline(transaction=False)
        ticket_keys = [keys.ticket(ticket_id), keys.sealed_form(ticket_id)]
        pipelined_script(pipe, BEGIN, [*ticket_keys, keys.pending_sms(ticket_id)], [now])
        pipe.hgetall(keys.breakers())
        found, breakers = pipe.execute()
        if not found:
            return Begun(None, None, {})
        flat, form, pending = found
        raw = dict(zip(flat[::2], flat[1::2], strict=True))
        ticket = _ticket_from(ticket_id, raw)
        return Begun(ticket, form or None, self._read(breakers, now), pending or None)

    def _read(self, fields: Mapping[bytes, bytes], now: float) -> dict[str, Breaker]:
        """The breakers hash as {partner: Breaker}; partners it doesn't name are clean."""
        found: dict[str, dict[str, bytes]] = {}
        for name, value in fields.items():
            partner, _, field = name.decode().rpartition(":")
            found.setdefault(partner, {})[field] = value
        return {
            partner: Breaker(self._state(f.get("opened_at"), now), int(f.get("fails", 0)))
            for partner, f in found.items()
        }

    def _state(self, opened_at: bytes | None, now: float) -> str:
        if opened_at is None:
            return "closed"
        if now - float(opened_at) < self.breaker_cooldown_s:
            return "open"
        return "half_open"

    @_unavailable_on_redis_error
    def get_ticket(self, ticket_id: str) -> Ticket | None:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(keys.ticket(ticket_id)))
        return _ticket_from(ticket_id, raw) if raw else None

    @_unavailable_on_redis_error
    def breaker_states(self, partner_ids: Sequence[str], now: float) -> dict[str, str]:
        read = self._read(cast(dict[bytes, bytes], self.redis.hgetall(keys.breakers())), now)
        return {p: read.get(p, Breaker()).state for p in partner_ids}

    @_unavailable_on_redis_error
    def claim_probe(self, partner_id: str) -> bool:
        ttl_ms = max(1, int(self.breaker_cooldown_s * 1000))
        return bool(self.redis.set(keys.breaker_probe(partner_id), "1", nx=True, px=ttl_ms))

    @_unavailable_on_redis_error
    def record_calls(self, results: Mapping[str, bool], now: float) -> None:
        if not results:
            return
        self._record_calls(
            keys=[keys.breakers(), *(keys.breaker_probe(p) for p in results)],
            args=[
                self.breaker_threshold,
                now,
                BREAKER_KEY_TTL_S,
                *(item for p, ok in results.items() for item in (p, "1" if ok else "0")),
            ],
        )

    @_unavailable_on_redis_error
    def audit_tail(self, count: int) -> list[dict[str, str]]:
        """The newest audit events, oldest first."""
        entries = cast(list[Any], self.redis.xrevrange(keys.audit_stream(), count=count))
        return [
            {"id": entry_id.decode(), **{k.decode(): v.decode() for k, v in fields.items()}}
            for entry_id, fields in reversed(entries)
        ]

    @_unavailable_on_redis_error
    def finish(
        self,
        ticket: Ticket,
        status: str,
        now: float,
        give_back: bool,
        audit: dict[str, str],
        sms_mark: str = "",
    ) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(keys.ticket(ticket.id), mapping={"status": status, "updated_at": now})
        pipe.delete(keys.sealed_form(ticket.id))
        pipe.delete(keys.pending_sms(ticket.id))
        if sms_mark:
            pipe.set(keys.sms_marker(ticket.id), sms_mark, ex=SMS_MARKER_TTL_S)
        if give_back and ticket.quota:
            pipe.delete(keys.phone_quota(ticket.quota["phone_h"], ticket.quota["service"]))
            if ticket.quota.get("id_h"):
                pipe.delete(keys.id_quota(ticket.quota["id_h"]))
        if audit:
            stream = keys.audit_stream()
            pipe.xadd(stream, cast(Any, audit), maxlen=AUDIT_MAXLEN, approximate=True)
            # Events older than the retention go, and an idle stream goes as a whole.
            pipe.xtrim(stream, minid=int((now - AUDIT_RETENTION_S) * 1000), approximate=False)
            pipe.expire(stream, AUDIT_RETENTION_S)
        pipe.execute()


def _ticket_fields(ticket: Ticket) -> dict[str, Any]:
    return {
        "service": ticket.service,
        "status": ticket.status,
        "phone_masked": ticket.phone_masked,
        "owner_h": ticket.owner_h,
        "platform": ticket.platform,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "notify": "1" if ticket.notify else "0",
        "quota": json.dumps(ticket.quota),
    }


def _ticket_from(ticket_id: str, raw: dict[bytes, bytes]) -> Ticket:
    f = {k.decode(): v.decode() for k, v in raw.items()}
    return Ticket(
        id=ticket_id,
        service=f["service"],
        status=f["status"],
        phone_masked=f["phone_masked"],
        owner_h=f["owner_h"],
        platform=f["platform"],
        created_at=float(f["created_at"]),
        updated_at=float(f["updated_at"]),
        notify=f.get("notify") == "1",
        quota=json.loads(f.get("quota", "{}")),
    )
