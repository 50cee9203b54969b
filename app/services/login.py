"""Use case: log in with a platform login code; the bearer token is what the API hands out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.domain.errors import LoginFailed, PlatformUnavailable, Unauthenticated
from app.ports import LoginRejected, PartnerUnavailable, PlatformUser
from app.services.context import Context

PLATFORMS = ("wechat", "alipay")


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
    token = secrets.token_urlsafe(32)
    ttl = ctx.settings.session_ttl_s
    ctx.store.save_session(_token_key(ctx, token), user, ttl)
    return LoggedIn(token, ttl)


def authenticate(ctx: Context, token: str | None) -> PlatformUser:
    if not token:
        raise Unauthenticated()
    user = ctx.store.load_session(_token_key(ctx, token))
    if user is None:
        raise Unauthenticated()
    return user


def _token_key(ctx: Context, token: str) -> str:
    # Redis holds only a keyed hash of the token: a dump of Redis logs nobody in.
    return ctx.hasher.identifier("token", token)
