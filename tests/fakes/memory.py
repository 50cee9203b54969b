"""What the Redis of one deployment holds, in memory: keys with TTLs on a FixedClock, and the
few steps the Lua scripts take (a counted limit, a claim), for the state fakes to share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.quotas import Rule
from tests.fakes.clock import FixedClock


@dataclass
class _Entry:
    value: Any
    expires_at: float | None  # None: no TTL


@dataclass
class Memory:
    """What the Redis of one deployment holds, in memory."""

    clock: FixedClock
    data: dict[str, _Entry] = field(default_factory=dict)
    audit: list[dict[str, str]] = field(default_factory=list)

    def get(self, key: str) -> Any:
        entry = self.data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self.clock.now():
            del self.data[key]
            return None
        return entry.value

    def set(self, key: str, value: Any, ttl_s: float | None) -> None:
        expires = None if ttl_s is None else self.clock.now() + ttl_s
        self.data[key] = _Entry(value, expires)

    def delete(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)

    def wait_of(self, key: str) -> int:
        """Like PTTL rounded up to seconds; 1 for a key without TTL."""
        entry = self.data[key]
        if entry.expires_at is None:
            return 1
        return max(1, -int(-(entry.expires_at - self.clock.now()) // 1))

    def incr(self, key: str, ttl_s: float) -> int:
        current = self.get(key)
        if current is None:
            self.set(key, 1, ttl_s)
            return 1
        self.data[key].value = current + 1
        return int(current + 1)

    def give_back(self, key: str) -> None:
        current = self.get(key)  # an expired counter stays gone
        if current is not None:
            self.data[key].value = current - 1

    def take_count(self, key: str, rule: Rule) -> int:
        """0 when counted, else the seconds to wait (adapters/redis/scripts.py TAKE_COUNT)."""
        if (self.get(key) or 0) >= rule.count:
            return self.wait_of(key)
        self.incr(key, rule.window_s)
        return 0

    def claim(self, key: str, ttl_s: float, value: Any = "1") -> bool:
        """SET NX EX."""
        if self.get(key) is not None:
            return False
        self.set(key, value, ttl_s)
        return True

    @property
    def raw_bytes(self) -> bytes:
        """Everything held, keys and values, as one blob (for privacy checks)."""
        parts: list[bytes] = []
        for key, entry in self.data.items():
            value = entry.value
            parts += [key.encode(), value if isinstance(value, bytes) else repr(value).encode()]
        return b"\n".join(parts)
