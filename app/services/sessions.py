"""Session tokens and the H5 pages' OAuth state: sealed, stateless, bound to their purpose.

A session token is the platform user, the QR-code channel it came from (if any) and its expiry,
sealed (AES-GCM under keys derived from SECRET_KEY and FORM_SEAL_KEYS); tokens sealed before
channels existed ([platform, user, expiry]) still open, without a channel. Checking it costs no
Redis round trip, and it reveals nothing to whoever holds it: the openid inside is encrypted.
It cannot be revoked before it expires (2 hours); nothing in the API logs a user out. The
associated data of each seal names what it is for, so a token opens only for its own front
end, and an OAuth state is never a token.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import Unauthenticated
from app.ports.identity import PlatformUser
from app.ports.runtime import Clock, Sealer

MAX_SEALED_CHARS = 1024
OAUTH_STATE_CONTEXT = b"yzt/oauth-state/1"
OAUTH_STATE_TTL_S = 600
MAX_NEXT_CHARS = 512


class FrontEnd(StrEnum):
    """Who a session token was issued to: the mini-programs' bearer token is no H5 cookie, and
    the H5 cookie is no bearer token."""

    MINIPROGRAM = "miniprogram"
    H5 = "h5"

    @property
    def token_context(self) -> bytes:
        return f"yzt/session/1/{self}".encode()


@dataclass(frozen=True)
class Session:
    user: PlatformUser
    channel: str = ""  # what its login counted for: a channel id, "unknown", or "" (none)


@dataclass(frozen=True)
class Sessions:
    sealer: Sealer
    clock: Clock
    ttl_s: int  # SESSION_TTL_S

    def issue(self, user: PlatformUser, front_end: FrontEnd, channel: str = "") -> str:
        expires_at = int(self.clock.now()) + self.ttl_s
        channel_part = [channel] if channel else []
        values = [user.platform, user.user_id, *channel_part, expires_at]
        return self._seal(values, front_end.token_context)

    def open(self, token: str | None, front_end: FrontEnd) -> Session:
        opened = self._open(token, front_end.token_context)
        if opened is None or len(opened) not in (3, 4):
            raise Unauthenticated()
        user = PlatformUser(platform=str(opened[0]), user_id=str(opened[1]))
        return Session(user, str(opened[2]) if len(opened) == 4 else "")

    def authenticate(self, token: str | None, front_end: FrontEnd) -> PlatformUser:
        return self.open(token, front_end).user

    def seal_oauth_state(self, state: str, next_path: str) -> str:
        """The H5 OAuth round trip's state and the page to go back to, kept in the browser's
        own cookie, sealed: an anonymous request stores nothing on our side."""
        expires_at = int(self.clock.now()) + OAUTH_STATE_TTL_S
        return self._seal([state, next_path[:MAX_NEXT_CHARS], expires_at], OAUTH_STATE_CONTEXT)

    def open_oauth_state(self, cookie: str | None) -> tuple[str, str] | None:
        """(state, next page) from a live state cookie, or None."""
        opened = self._open(cookie, OAUTH_STATE_CONTEXT)
        if opened is None or len(opened) != 3:
            return None
        return str(opened[0]), str(opened[1])

    def _seal(self, values: list[object], context: bytes) -> str:
        payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(self.sealer.seal(payload, context)).rstrip(b"=").decode()

    def _open(self, text: str | None, context: bytes) -> list[object] | None:
        """The sealed values if they open under this context and have not expired (the last
        value is the expiry)."""
        if not text or len(text) > MAX_SEALED_CHARS:
            return None
        try:
            sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            values = json.loads(self.sealer.open(sealed, context))
        except (binascii.Error, ValueError, TypeError):  # malformed, forged or another key's
            return None
        if not (isinstance(values, list) and values and isinstance(values[-1], int)):
            return None
        return values if values[-1] > self.clock.now() else None
