"""The code request's quotas: the phone's and the ID's per window, the user's per day, the IP's
per hour and every code SMS's per minute, taken in one round trip.

On a single Redis one script checks them all, then takes them all: atomic. On a Redis Cluster
each quota lives in its own slot, so no script can see them all. There one pipeline sends a
small script per slot, each an atomic "check, then take" on its own key (the phone's also
stores the code). When any refuses, a second round trip gives back what the others took, so
the request counts against no limit. The one cost: for the instant between the two round
trips, a request that is about to be refused holds its phone's quota, and a second request for
that phone at that very instant is refused too.
"""

from __future__ import annotations

from typing import Any

from adapters import redis_keys as keys
from app.ports import CodeIssue

# On a single Redis (or Sentinel): every quota checked, then all taken and the code stored,
# atomically. {0, ''} or {seconds to wait, which limit refused}: phone | id | user | ip | global.
TAKE_ALL = """
local function wait_of(key)
  local ms = redis.call('PTTL', key)
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
local wait, reason = 0, ''
local function refuse(seconds, why)
  if seconds > wait then wait, reason = seconds, why end
end
if redis.call('EXISTS', KEYS[1]) == 1 then refuse(wait_of(KEYS[1]), 'phone') end
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then refuse(wait_of(KEYS[2]), 'id') end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[2]) then
  refuse(wait_of(KEYS[3]), 'user')
end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[3]) then
  refuse(wait_of(KEYS[4]), 'ip')
end
local global_limit = tonumber(ARGV[7])
if global_limit > 0 and tonumber(redis.call('GET', KEYS[6]) or '0') >= global_limit then
  refuse(tonumber(ARGV[8]), 'global')
end
if wait > 0 then return {wait, reason} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if ARGV[6] == '1' then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], 86400) end
if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], 3600) end
if global_limit > 0 and redis.call('INCR', KEYS[6]) == 1 then redis.call('EXPIRE', KEYS[6], 120) end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[5], 'd', ARGV[4], 'a', 0, 'u', ARGV[9])
redis.call('EXPIRE', KEYS[5], ARGV[5])
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

# A counted limit (user per day, IP per hour, code SMS per minute): 0 when counted, else the
# seconds to wait (ARGV[3] when given, else the counter's own expiry).
TAKE_COUNT = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then
  if tonumber(ARGV[3]) > 0 then return tonumber(ARGV[3]) end
  local ms = redis.call('PTTL', KEYS[1])
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


# One less on a counted limit, unless it has expired meanwhile: a DECR would create it anew
# at -1, with no TTL, and it would never go.
GIVE_BACK_COUNT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


def give_back_count(pipe: Any, key: str) -> None:
    pipelined_script(pipe, GIVE_BACK_COUNT, [key], [])


def pipelined_script(pipe: Any, source: str, keys: list[str], args: list[Any]) -> None:
    """Queue a Lua script in a pipeline. EVAL, not EVALSHA: redis-py's cluster pipelines refuse
    EVALSHA; Redis still compiles each script once and caches it by its hash."""
    pipe.execute_command("EVAL", source, len(keys), *keys, *args)


class QuotaTaker:
    def __init__(self, client: Any, cluster: bool) -> None:
        self.redis = client
        self.cluster = cluster
        self._take_all = client.register_script(TAKE_ALL)

    def take(self, issue: CodeIssue) -> tuple[int, str]:
        """(0, "") when every quota was taken and the code stored; else (wait, which limit)."""
        minute, second = divmod(int(issue.now), 60)
        if not self.cluster:
            return self._atomic(issue, minute, 60 - second)
        steps = self._steps(issue, minute, 60 - second)
        pipe = self.redis.pipeline(transaction=False)
        for _, run, _ in steps:
            run(pipe)
        waits = [int(w) for w in pipe.execute()]
        refused = [(wait, name) for (name, _, _), wait in zip(steps, waits, strict=True) if wait]
        if not refused:
            return 0, ""
        undo = self.redis.pipeline(transaction=False)
        for (_, _, give_back), wait in zip(steps, waits, strict=True):
            if not wait:
                give_back(undo)
        undo.execute()
        return max(refused)

    def take_count(self, key: str, limit: int, window_s: int) -> int:
        """One counted limit on its own: 0 when counted, else the seconds to wait."""
        return int(self.redis.eval(TAKE_COUNT, 1, key, limit, window_s, 0))

    def _atomic(self, issue: CodeIssue, minute: int, left_in_minute: int) -> tuple[int, str]:
        wait, reason = self._take_all(
            keys=[
                keys.phone_quota(issue.phone_h, issue.service),
                keys.id_quota(issue.id_h or "-"),
                keys.user_limit(issue.user_h),
                keys.ip_limit(issue.ip_h),
                keys.code(issue.phone_h, issue.service),
                keys.code_budget(minute),
            ],
            args=[
                issue.quota_window_s,
                issue.user_limit,
                issue.ip_limit,
                issue.code_digest,
                issue.code_ttl_s,
                "1" if issue.id_h else "0",
                issue.global_limit_per_minute,
                left_in_minute,
                issue.user_h,
            ],
        )
        return int(wait), reason.decode() if isinstance(reason, bytes) else str(reason)

    def _steps(self, issue: CodeIssue, minute: int, left_in_minute: int) -> list[Any]:
        """(limit name, take it in a pipeline, give it back in a pipeline) for each quota."""
        phone_q = keys.phone_quota(issue.phone_h, issue.service)
        code_k = keys.code(issue.phone_h, issue.service)
        steps: list[Any] = [
            (
                "phone",
                lambda p: pipelined_script(
                    p,
                    TAKE_PHONE,
                    [phone_q, code_k],
                    [issue.quota_window_s, issue.code_digest, issue.code_ttl_s, issue.user_h],
                ),
                lambda p: (p.delete(phone_q), p.delete(code_k)),  # one key per DEL: cluster
            )
        ]
        if issue.id_h:
            id_q = keys.id_quota(issue.id_h)
            steps.append(
                (
                    "id",
                    lambda p: pipelined_script(p, TAKE_ONCE, [id_q], [issue.quota_window_s]),
                    lambda p: p.delete(id_q),
                )
            )
        counters = [
            ("user", keys.user_limit(issue.user_h), issue.user_limit, 86400, 0),
            ("ip", keys.ip_limit(issue.ip_h), issue.ip_limit, 3600, 0),
        ]
        if issue.global_limit_per_minute > 0:
            counters.append(
                (
                    "global",
                    keys.code_budget(minute),
                    issue.global_limit_per_minute,
                    120,
                    left_in_minute,
                )
            )
        for name, key, limit, ttl, wait in counters:
            steps.append((name, self._counter(key, limit, ttl, wait), _decr(key)))
        return steps

    def _counter(self, key: str, limit: int, ttl: int, wait: int) -> Any:
        return lambda p: pipelined_script(p, TAKE_COUNT, [key], [limit, ttl, wait])


def _decr(key: str) -> Any:
    return lambda p: give_back_count(p, key)
