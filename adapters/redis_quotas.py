"""The code request's quotas, taken in one round trip that works on Redis Cluster too.

Each quota lives in its own slot (the phone's, the ID's, the user's, the IP's, the minute's
budget), so no single script can see them all. Instead, one pipeline sends a small script per
slot, each an atomic "check, then take" on its own key; the phone's script also stores the code.
When any of them refuses, a second round trip gives back what the others took, and the
request counts against no limit. The one cost: for the instant between the two round trips, a
request that is about to be refused holds its phone's quota, so a second request for the same
phone at that very instant is refused too.
"""

from __future__ import annotations

from typing import Any

from adapters import redis_keys as keys
from app.ports import CodeIssue

# The phone's quota, and the code beside it (same slot): 0 when taken, else seconds to wait.
TAKE_PHONE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local ms = redis.call('PTTL', KEYS[1])
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'd', ARGV[2], 'a', 0)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 0
"""

# A once-per-window quota (the ID's): 0 when taken, else seconds to wait.
TAKE_ONCE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local ms = redis.call('PTTL', KEYS[1])
  if ms < 0 then return 1 end
  return math.ceil(ms / 1000)
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return 0
"""

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


def pipelined_script(pipe: Any, source: str, keys: list[str], args: list[Any]) -> None:
    """Queue a Lua script in a pipeline. EVAL, not EVALSHA: redis-py's cluster pipelines refuse
    EVALSHA; Redis still compiles each script once and caches it by its hash."""
    pipe.execute_command("EVAL", source, len(keys), *keys, *args)


class QuotaTaker:
    def __init__(self, client: Any) -> None:
        self.redis = client

    def take(self, issue: CodeIssue) -> tuple[int, str]:
        """(0, "") when every quota was taken and the code stored; else (wait, which limit)."""
        minute, second = divmod(int(issue.now), 60)
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
                    [issue.quota_window_s, issue.code_digest, issue.code_ttl_s],
                ),
                lambda p: p.delete(phone_q, code_k),
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
    return lambda p: p.decr(key)
