"""Small Lua steps several adapters share, and how a script goes into a pipeline."""

from __future__ import annotations

from typing import Any

# A counted limit (KEYS[1], at most ARGV[1] in a window of ARGV[2] seconds): 0 when counted,
# else the seconds to wait (ARGV[3] when given, else the counter's own expiry).
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
