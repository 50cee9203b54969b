"""Use case: log in with a platform login code; the answer is a session token. A login from a
QR-code channel counts as a session of that channel (or of `unknown`), and the token carries
what it counted for, so the session's later steps count there without a lookup."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.channels import FunnelStage, check_channel_id
from app.domain.errors import LoginFailed, PlatformUnavailable, TooManyRequests
from app.domain.hashing import KeyedHasher
from app.domain.networks import client_network
from app.domain.quotas import Rule
from app.ports.identity import Identity, LoginRejected
from app.ports.partners import PartnerUnavailable
from app.ports.state import Funnel, RateLimits
from app.services.sessions import FrontEnd, Sessions


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_in: int


@dataclass(frozen=True)
class Login:
    identity: Identity
    limits: RateLimits
    sessions: Sessions
    hasher: KeyedHasher
    rule: Rule  # QuotaPolicy.logins: each login reaches WeChat or Alipay
    funnel: Funnel

    def __call__(
        self, platform: str, code: str, front_end: FrontEnd, ip: str, channel: str = ""
    ) -> LoggedIn:
        if channel:
            check_channel_id(channel)  # malformed: 422, before anything is spent
        network_h = self.hasher.identifier("ip", client_network(ip))
        wait = self.limits.take(self.rule.limit, network_h, self.rule.count, self.rule.window_s)
        if wait:
            raise TooManyRequests(wait)
        try:
            user = self.identity.login(platform, code)
        except LoginRejected:
            raise LoginFailed() from None
        except PartnerUnavailable:
            raise PlatformUnavailable() from None
        if channel:
            channel = self.funnel.arrive(channel, FunnelStage.SESSIONS, self.sessions.clock.now())
        return LoggedIn(self.sessions.issue(user, front_end, channel), self.sessions.ttl_s)
