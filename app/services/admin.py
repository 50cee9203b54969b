"""Use case: who may call the admin API (api.md, "Admin API"), and its audit trail.

The bearer token must be one of ADMIN_TOKENS. Every configured token is compared, in constant
time, over fixed-length digests: neither the time nor the first mismatching byte tells how
close a guess was, or which token it was near. A citizen's session token is recognised and
refused with 403; anything else is 401. Every call that got through is written to the audit
stream with the token's name; refusals are only logged (an anonymous flood must not push real
events out of the capped stream).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import Forbidden, Unauthenticated
from app.ports.runtime import Clock
from app.ports.state import AuditLog
from app.services.sessions import FrontEnd, Sessions

log = logging.getLogger(__name__)
NEEDS_ADMIN_TOKEN = "需要有效的管理令牌"


@dataclass(frozen=True)
class AdminAccess:
    tokens: Mapping[str, str]  # token -> its name (Settings.admin_token_map)
    sessions: Sessions
    audit: AuditLog
    clock: Clock

    def authenticate(self, bearer: str | None, cookie: str | None = None) -> str:
        """The admin token's name. Unauthenticated without one, Forbidden for a citizen's
        session (the mini-programs' bearer token, or the H5 pages' cookie)."""
        if bearer:
            name = self._name_of(bearer)
            if name:
                return name
            if self._is_session(bearer, FrontEnd.MINIPROGRAM):
                log.warning("admin api refused a citizen's session token")
                raise Forbidden()
        elif cookie and self._is_session(cookie, FrontEnd.H5):
            log.warning("admin api refused a citizen's session cookie")
            raise Forbidden()
        log.warning("admin api refused a request without an admin token")
        raise Unauthenticated(NEEDS_ADMIN_TOKEN)

    def record(self, name: str, action: str, target: str, status: int) -> None:
        """One admin call in the audit stream: who (the token's name), what, on what, answer."""
        event = {"kind": "admin", "admin": name, "action": action, "target": target}
        self.audit.record({**event, "status": str(status)}, self.clock.now())

    def _name_of(self, given: str) -> str:
        digest = hashlib.sha256(given.encode()).digest()
        found = ""
        for token, name in self.tokens.items():  # all of them, whatever matched first
            if hmac.compare_digest(digest, hashlib.sha256(token.encode()).digest()):
                found = name
        return found

    def _is_session(self, token: str, front_end: FrontEnd) -> bool:
        try:
            self.sessions.open(token, front_end)
        except Unauthenticated:
            return False
        return True
