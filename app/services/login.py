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
from enum import StrEnum

from app.domain.errors import LoginFailed, PlatformUnavailable, TooManyRequests, Unauthenticated
from app.domain.networks import client_network
from app.ports import LoginRejected, PartnerUnavailable, PlatformUser
from app.services.context import Context

MAX_SEALED_CHARS = 1024
LOGIN_WINDOW_S = 60
OAUTH_STATE_CONTEXT = b"yzt/oauth-state/1"
OAUTH_STATE_TTL_S = 600
MAX_NEXT_CHARS = 512


class FrontEnd(StrEnum):
    """Who a session token was issued to. A token opens only for its own front end: the
    mini-programs' bearer token is no H5 cookie, and the H5 cookie is no bearer token."""

    MINIPROGRAM = "miniprogram"
    H5 = "h5"

    @property
    def token_context(self) -> bytes:
        # Associated data of the seal: a sealed form, an OAuth state or the other front end's
        # token can never pass for this one.
        return f"yzt/session/1/{self}".encode()


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_in: int


def login(ctx: Context, platform: str, code: str, front_end: FrontEnd, ip: str) -> LoggedIn:
    """Each login reaches WeChat or Alipay: limited per client network before that."""
    network_h = ctx.hasher.identifier("ip", client_network(ip))
    wait = ctx.store.take_limit("login", network_h, ctx.settings.login_limit_per_ip_minute, 60)
    if wait:
        raise TooManyRequests(wait)
    try:
        user = ctx.identity.login(platform, code)
    except LoginRejected:
        raise LoginFailed() from None
    except PartnerUnavailable:
        raise PlatformUnavailable() from None
    ttl = ctx.settings.session_ttl_s
    return LoggedIn(issue_token(ctx, user, ttl, front_end), ttl)


def issue_token(ctx: Context, user: PlatformUser, ttl_s: int, front_end: FrontEnd) -> str:
    expires_at = int(ctx.clock.now()) + ttl_s
    return _seal(ctx, [user.platform, user.user_id, expires_at], front_end.token_context)


def authenticate(ctx: Context, token: str | None, front_end: FrontEnd) -> PlatformUser:
    opened = _open(ctx, token, front_end.token_context)
    if opened is None or len(opened) != 3:
        raise Unauthenticated()
    platform, user_id, _ = opened
    return PlatformUser(platform=str(platform), user_id=str(user_id))


def seal_oauth_state(ctx: Context, state: str, next_path: str) -> str:
    """The H5 OAuth round trip's state and the page to go back to, kept in the browser's own
    cookie, sealed: an anonymous request stores nothing on our side."""
    expires_at = int(ctx.clock.now()) + OAUTH_STATE_TTL_S
    return _seal(ctx, [state, next_path[:MAX_NEXT_CHARS], expires_at], OAUTH_STATE_CONTEXT)


def open_oauth_state(ctx: Context, cookie: str | None) -> tuple[str, str] | None:
    """(state, next page) from a live state cookie, or None."""
    opened = _open(ctx, cookie, OAUTH_STATE_CONTEXT)
    if opened is None or len(opened) != 3:
        return None
    return str(opened[0]), str(opened[1])


def _seal(ctx: Context, values: list[object], context: bytes) -> str:
    payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = ctx.token_sealer.seal(payload, context)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def _open(ctx: Context, text: str | None, context: bytes) -> list[object] | None:
    """The sealed values if they open under this context and have not expired (their last)."""
    if not text or len(text) > MAX_SEALED_CHARS:
        return None
    try:
        sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(ctx.token_sealer.open(sealed, context))
    except (binascii.Error, ValueError, TypeError):  # malformed, forged or from another key
        return None
    if not (isinstance(values, list) and values and isinstance(values[-1], int)):
        return None
    return values if values[-1] > ctx.clock.now() else None
