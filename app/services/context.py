"""What the use cases run with: the ports, the rules and the registry, built by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.config import Settings
from app.domain.guides import Guidance
from app.domain.hashing import KeyedHasher
from app.domain.providers import Registry
from app.ports import (
    Clock,
    Identity,
    Metrics,
    NoMetrics,
    Operators,
    PlatformNotifier,
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
    token_sealer: Sealer  # session tokens: never stored, so keys derived from SECRET_KEY
    form_sealer: Sealer  # forms at rest: epoch keys that are forgotten (crypto-shredding)
    sms: SmsGateway
    templates: Templates
    identity: Identity
    queue: TaskQueue
    clock: Clock
    operators: Operators | None = None  # only the worker calls partners
    platforms: Platforms | None = None
    notifier: PlatformNotifier | None = None  # None: no platform notices
    metrics: Metrics = field(default_factory=NoMetrics)
    guidance: Guidance | None = None  # 解绑与明细查询说明 and hotlines, checked at start


@dataclass(frozen=True)
class Caller:
    """Who is asking: the logged-in platform user and the client IP."""

    user: PlatformUser
    ip: str

    @property
    def key(self) -> str:
        return f"{self.user.platform}:{self.user.user_id}"
