"""What the use cases run with: the ports, the rules and the registry, built by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.domain.hashing import KeyedHasher
from app.domain.providers import Registry
from app.ports import (
    Clock,
    Identity,
    Operators,
    Platforms,
    PlatformUser,
    Sealer,
    SmsGateway,
    Store,
    TaskQueue,
)
from notices.sms import Templates


@dataclass
class Context:
    settings: Settings
    registry: Registry
    store: Store
    hasher: KeyedHasher
    sealer: Sealer
    sms: SmsGateway
    templates: Templates
    identity: Identity
    queue: TaskQueue
    clock: Clock
    operators: Operators | None = None  # only the worker calls partners
    platforms: Platforms | None = None


@dataclass(frozen=True)
class Caller:
    """Who is asking: the logged-in platform user and the client IP."""

    user: PlatformUser
    ip: str

    @property
    def key(self) -> str:
        return f"{self.user.platform}:{self.user.user_id}"
