"""Taking a code request's quotas (app/domain/quotas.py) in one round trip, and storing the code.

On a single Redis one script checks them all, then takes them all: atomic. On a Redis Cluster
each quota lives in its own slot, so no script can see them all. There one pipeline sends a
small script per slot, each an atomic "check, then take" on its own key (the phone's also
stores the code). When any refuses, a second round trip gives back what the others took, so
the request counts against no limit. The one cost: for the instant between the two round
trips, a request that is about to be refused holds its phone's quota, and a second request for
that phone at that very instant is refused too.

A request from a QR-code channel is counted in that channel's funnel by the same script (on a
Cluster, by one more script in the same pipeline, taken back with the rest on a refusal).

Every number (windows, counts) comes from the QuotaPolicy and the CodePolicy given: the
scripts hold none of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.redis import keys
from adapters.redis.funnel import Count, add_count
from adapters.redis.scripts import GIVE_BACK_COUNT, TAKE_COUNT, give_back_count, pipelined_script
from app.domain.channels import FunnelPolicy, FunnelStage
from app.domain.codes import CodePolicy
from app.domain.quotas import Limit, QuotaPolicy, Rule
from app.ports.state import CodeRequest, Refusal

# Every quota checked, then all taken and the code stored (owned by ARGV[9]), atomically, and
# with ARGV[13] (a channel's field) the request counted in the day's funnel (KEYS[7]).
# KEYS: phone, id, user, ip, code, all-codes counter, funnel day. {0, ''} or {seconds, limit}.
TAKE_ALL = """
local function wait_of(key)
  local ms = redis.call('PTTL', KEYS[key])
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
local wait, reason = 0, ''
local function refuse(seconds, why)
  if seconds > wait then wait, reason = seconds, why end
end
local function spent(key, limit)
  return tonumber(redis.call('GET', KEYS[key]) or '0') >= tonumber(limit)
end
if redis.call('EXISTS', KEYS[1]) == 1 then refuse(wait_of(1), 'phone') end
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then refuse(wait_of(2), 'id') end
if spent(3, ARGV[2]) then refuse(wait_of(3), 'user') end
if spent(4, ARGV[3]) then refuse(wait_of(4), 'ip') end
local global_limit = tonumber(ARGV[7])
if global_limit > 0 and spent(6, global_limit) then refuse(tonumber(ARGV[8]), 'global') end
if wait > 0 then return {wait, reason} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if ARGV[6] == '1' then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[10]) end
if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[11]) end
if global_limit > 0 and redis.call('INCR', KEYS[6]) == 1 then
  redis.call('EXPIRE', KEYS[6], ARGV[12])
end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[5], 'd', ARGV[4], 'a', 0, 'u', ARGV[9])
redis.call('EXPIRE', KEYS[5], ARGV[5])
if ARGV[13] ~= '' then
  redis.call('HINCRBY', KEYS[7], ARGV[13], 1)
  redis.call('HINCRBY', KEYS[7], ARGV[14], 1)
  redis.call('EXPIREAT', KEYS[7], ARGV[15])
end
return {0, ''}
"""

# A once-per-window quota (KEYS[1], window ARGV[1]): refuse with the seconds left, or take it.
_TAKE_KEY = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local ms = redis.call('PTTL', KEYS[1])
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
"""
# The ID's quota: 0 when taken, else seconds to wait.
TAKE_ONCE = _TAKE_KEY + "return 0\n"
# The phone's quota, and the code beside it (same slot), owned by the user who asked (ARGV[4]).
TAKE_PHONE = (
    _TAKE_KEY
    + """redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'd', ARGV[2], 'a', 0, 'u', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 0
"""
)
# A counter read a little after its minute ends still finds it.
ALL_CODES_COUNTER_TTL_S = 120
Step = tuple[Limit, Callable[[Any], None], Callable[[Any], None]]


class QuotaTaker:
    def __init__(
        self,
        client: Any,
        cluster: bool,
        policy: QuotaPolicy,
        codes: CodePolicy,
        funnel: FunnelPolicy,
    ) -> None:
        self.redis = client
        self.cluster = cluster
        self.policy, self.codes, self.funnel = policy, codes, funnel
        self._take_all = client.register_script(TAKE_ALL)

    def take(self, request: CodeRequest) -> Refusal | None:
        """None when every quota was taken and the code stored; else which limit refused."""
        minute, second = divmod(int(request.now), 60)
        if not self.cluster:
            return self._atomic(request, minute, 60 - second)
        steps = self._steps(request, minute, 60 - second)
        pipe = self.redis.pipeline(transaction=False)
        for _, take, _ in steps:
            take(pipe)
        count = self._count(request)
        if count:
            add_count(pipe, count)  # the funnel's slot: one more script, no more round trips
        waits = [int(w) for w in pipe.execute()[: len(steps)]]
        refused = [(wait, limit) for (limit, _, _), wait in zip(steps, waits, strict=True) if wait]
        if not refused:
            return None
        undo = self.redis.pipeline(transaction=False)
        for (_, _, give_back), wait in zip(steps, waits, strict=True):
            if not wait:
                give_back(undo)
        if count:
            add_count(undo, count, -1)
        undo.execute()
        wait, limit = max(refused)
        return Refusal(limit, wait)

    def take_count(self, key: str, rule: Rule) -> int:
        """One counted limit on its own: 0 when counted, else the seconds to wait."""
        return int(self.redis.eval(TAKE_COUNT, 1, key, rule.count, rule.window_s, 0))

    def cancel(self, request: CodeRequest) -> None:
        """Give back what issue took: the SMS never went."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(keys.phone_quota(request.phone_h, request.service))  # one key per DEL:
        pipe.delete(keys.code(request.phone_h, request.service))  # cluster pipelines refuse more
        if request.id_h:
            pipe.delete(keys.id_quota(request.id_h))
        give_back_count(pipe, keys.user_limit(request.user_h))
        give_back_count(pipe, keys.ip_limit(request.ip_h))
        count = self._count(request)
        if count:
            add_count(pipe, count, -1)  # no 202: not a code request of the funnel
        pipe.execute()

    def _count(self, request: CodeRequest) -> Count | None:
        if not request.channel:
            return None
        return Count.of(self.funnel, request.channel, FunnelStage.CODE_REQUESTS, request.now)

    def _atomic(self, request: CodeRequest, minute: int, left_in_minute: int) -> Refusal | None:
        policy = self.policy
        count = self._count(request) or Count.of(self.funnel, "-", FunnelStage.CODE_REQUESTS, 0)
        counted = count.fields if request.channel else ("", "")
        wait, reason = self._take_all(
            keys=[
                keys.phone_quota(request.phone_h, request.service),
                keys.id_quota(request.id_h or "-"),
                keys.user_limit(request.user_h),
                keys.ip_limit(request.ip_h),
                keys.code(request.phone_h, request.service),
                keys.code_budget(minute),
                count.key,
            ],
            args=[
                policy.phone.window_s,
                policy.user.count,
                policy.ip.count,
                request.code_digest,
                self.codes.ttl_s,
                "1" if request.id_h else "0",
                policy.all_codes.count,
                left_in_minute,
                request.user_h,
                policy.user.window_s,
                policy.ip.window_s,
                ALL_CODES_COUNTER_TTL_S,
                *counted,
                count.expire_at,
            ],
        )
        if not int(wait):
            return None
        return Refusal(reason.decode() if isinstance(reason, bytes) else str(reason), int(wait))

    def _steps(self, request: CodeRequest, minute: int, left_in_minute: int) -> list[Step]:
        """(limit, take it in a pipeline, give it back in a pipeline) for each quota."""
        policy = self.policy
        phone_q = keys.phone_quota(request.phone_h, request.service)
        code_k = keys.code(request.phone_h, request.service)
        phone_args = [policy.phone.window_s, request.code_digest, self.codes.ttl_s, request.user_h]
        steps: list[Step] = [
            (
                Limit.PHONE,
                lambda p: pipelined_script(p, TAKE_PHONE, [phone_q, code_k], phone_args),
                lambda p: _delete_each(p, phone_q, code_k),
            )
        ]
        if request.id_h:
            id_q = keys.id_quota(request.id_h)
            steps.append(
                (
                    Limit.ID,
                    lambda p: pipelined_script(p, TAKE_ONCE, [id_q], [policy.id_number.window_s]),
                    lambda p: p.delete(id_q),
                )
            )
        counters = [
            (policy.user, keys.user_limit(request.user_h), policy.user.window_s, 0),
            (policy.ip, keys.ip_limit(request.ip_h), policy.ip.window_s, 0),
        ]
        if policy.all_codes.count > 0:
            budget = (keys.code_budget(minute), ALL_CODES_COUNTER_TTL_S, left_in_minute)
            counters.append((policy.all_codes, *budget))
        for rule, key, ttl, wait in counters:
            steps.append((rule.limit, _counter(key, rule.count, ttl, wait), _give_back(key)))
        return steps


def _counter(key: str, limit: int, ttl: int, wait: int) -> Callable[[Any], None]:
    return lambda p: pipelined_script(p, TAKE_COUNT, [key], [limit, ttl, wait])


def _give_back(key: str) -> Callable[[Any], None]:
    return lambda p: pipelined_script(p, GIVE_BACK_COUNT, [key], [])


def _delete_each(pipe: Any, *names: str) -> None:
    for name in names:  # one key per DEL: cluster pipelines refuse a DEL across slots
        pipe.delete(name)
