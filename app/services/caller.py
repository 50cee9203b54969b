"""Who is asking: the logged-in platform user and the client's address."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.hashing import KeyedHasher
from app.domain.networks import client_network
from app.ports.identity import PlatformUser


@dataclass(frozen=True)
class Caller:
    user: PlatformUser
    ip: str
    channel: str = ""  # the QR-code channel its session counted for (app/domain/channels.py)

    @property
    def key(self) -> str:
        return f"{self.user.platform}:{self.user.user_id}"

    def user_h(self, hasher: KeyedHasher) -> str:
        """The platform user as a keyed hash: how tickets, codes and limits know them."""
        return hasher.identifier("user", self.key)

    def network_h(self, hasher: KeyedHasher) -> str:
        """The client network (an IPv6 address's /64) as a keyed hash, for per-IP limits."""
        return hasher.identifier("ip", client_network(self.ip))
