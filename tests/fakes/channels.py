"""The channels' state ports in memory: the channels (no TTL, like Redis), the funnel's days,
the QR images' cache; and the funnel count the code and ticket fakes share."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.channels import UNKNOWN, Channel, FunnelPolicy, FunnelStage, QrKind, day_of
from tests.fakes.memory import Memory


def count(
    m: Memory, policy: FunnelPolicy, channel: str, stage: FunnelStage, at: float, by: int = 1
) -> None:
    """A day's funnel: {(channel, stage): count}, the "*" channel for every channel together."""
    day = day_of(at)
    key = f"funnel:{day}"
    counts = m.get(key) or {}
    for who in (channel, "*"):
        counts[(who, stage)] = counts.get((who, stage), 0) + by
    m.set(key, counts, policy.expires_at(day) - m.clock.now())


class FakeChannels:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def create(self, channel: Channel) -> bool:
        if self.get(channel.id) is not None:
            return False
        self.memory.set(f"channel:{channel.id}", channel, None)  # durable: no TTL
        return True

    def get(self, channel_id: str) -> Channel | None:
        found: Channel | None = self.memory.get(f"channel:{channel_id}")
        return found

    def all(self) -> list[Channel]:
        found = [e.value for k, e in self.memory.data.items() if k.startswith("channel:")]
        return sorted(found, key=lambda c: (c.created_at, c.id))


class FakeFunnel:
    def __init__(self, memory: Memory, policy: FunnelPolicy) -> None:
        self.memory, self.policy = memory, policy

    def arrive(self, channel_id: str, stage: FunnelStage, now: float) -> str:
        known = self.memory.get(f"channel:{channel_id}") is not None
        counted = channel_id if known else UNKNOWN
        count(self.memory, self.policy, counted, stage, now)
        return counted

    def days(self, channel_id: str, days: Sequence[str]) -> list[dict[FunnelStage, int]]:
        found = [self.memory.get(f"funnel:{day}") or {} for day in days]
        return [{s: counts.get((channel_id, s), 0) for s in FunnelStage} for counts in found]

    def totals(self, day: str) -> dict[FunnelStage, int]:
        return self.days("*", [day])[0]


class FakeQrImages:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def get(self, kind: QrKind, channel_id: str, variant: str) -> bytes | None:
        found: bytes | None = self.memory.get(f"qr:{kind}:{channel_id}:{variant}")
        return found

    def put(self, kind: QrKind, channel_id: str, variant: str, png: bytes, ttl_s: int) -> None:
        self.memory.set(f"qr:{kind}:{channel_id}:{variant}", png, ttl_s)
