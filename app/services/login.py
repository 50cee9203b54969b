"""Use case: log in with a platform login code; the bearer token is what the API hands out.

The token is stateless: the platform user and the expiry, sealed (AES-GCM under keys derived
from SECRET_KEY and FORM_SEAL_KEYS, with its own associated data). Checking it costs no Redis
round trip, and it reveals nothing to whoever holds it: the openid inside is encrypted. A
token cannot be revoked before it expires (2 hours); nothing in the API logs a user out.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from app.domain.errors import LoginFailed, PlatformUnavailable, Unauthenticated
from app.ports import LoginRejected, PartnerUnavailable, PlatformUser
from app.services.context import Context

PLATFORMS = ("wechat", "alipay")
TOKEN_CONTEXT = b"yzt/session/1"  # a sealed form can never pass for a token, nor the reverse
MAX_TOKEN_CHARS = 512


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_in: int


def login(ctx: Context, platform: str, code: str) -> LoggedIn:
    try:
        user = ctx.identity.login(platform, code)
    except LoginRejected:
        raise LoginFailed() from None
    except PartnerUnavailable:
        raise PlatformUnavailable() from None
    ttl = ctx.settings.session_ttl_s
    return LoggedIn(issue_token(ctx, user, ttl), ttl)


def issue_token(ctx: Context, user: PlatformUser, ttl_s: int) -> str:
    expires_at = int(ctx.clock.now()) + ttl_s
    payload = json.dumps([user.platform, user.user_id, expires_at], separators=(",", ":"))
    sealed = ctx.token_sealer.seal(payload.encode(), TOKEN_CONTEXT)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def authenticate(ctx: Context, token: str | None) -> PlatformUser:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise Unauthenticated()
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        platform, user_id, expires_at = json.loads(ctx.token_sealer.open(sealed, TOKEN_CONTEXT))
    except (binascii.Error, ValueError, TypeError):  # malformed, forged or from another key
        raise Unauthenticated() from None
    if not isinstance(expires_at, int) or expires_at <= ctx.clock.now():
        raise Unauthenticated()
    return PlatformUser(platform=str(platform), user_id=str(user_id))
