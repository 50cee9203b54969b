"""WeChat web OAuth (snsapi_base) for the H5 pages, and the session cookie it ends with.

A page opened without a session redirects to WeChat's authorize page with a random `state`.
The state and the page to return to live only in this browser's HttpOnly cookie, sealed: a
callback whose state is not the one sealed in the caller's own cookie is refused, and an
anonymous request stores nothing on our side (no Redis key to fill). The cookie is cleared at
the callback, and WeChat's code is single use, so a replayed callback opens no session.
The page to return to carries a QR-code channel (`/h5/?c=<id>`) through the round trip into
the session. A browser that already has a session keeps the channel it logged in with.
"""

from __future__ import annotations

import logging
import secrets

from flask import current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from app.domain.channels import channel_in_page
from app.domain.errors import LoginFailed, PlatformUnavailable, Unauthenticated
from app.domain.platforms import WECHAT_OA
from app.ports.identity import PlatformUser
from app.services.sessions import MAX_NEXT_CHARS, OAUTH_STATE_TTL_S, FrontEnd
from app.web.h5.errors import PageError
from app.web.services import services
from miniprogram_api.views import SESSION_COOKIE

log = logging.getLogger(__name__)
STATE_COOKIE = "yzt_oauth_state"
CALLBACK_PATH = "/h5/oauth/callback"
HOME = "/h5/"


def current_user() -> PlatformUser | None:
    """The user of this browser's session cookie, or None (no cookie, or it expired)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return services().sessions.authenticate(token, FrontEnd.H5)
    except Unauthenticated:
        return None


def start(next_path: str) -> Response:
    """Send the browser to WeChat's authorize page; it comes back to the callback."""
    state = secrets.token_hex(16)  # WeChat allows [a-zA-Z0-9] up to 128 bytes
    sealed = services().sessions.seal_oauth_state(state, safe_next(next_path))
    response = redirect(services().web_login.authorize_url(state), 302)
    # Lax, not Strict: the callback arrives as a cross-site redirect from WeChat.
    response.set_cookie(
        STATE_COOKIE,
        sealed,
        max_age=OAUTH_STATE_TTL_S,
        path=CALLBACK_PATH,
        httponly=True,
        secure=_https(),
        samesite="Lax",
    )
    return response


def finish() -> Response:
    """The callback: check the state, exchange the code, open the session, go on."""
    state, code = request.args.get("state", ""), request.args.get("code", "")
    bound = services().sessions.open_oauth_state(request.cookies.get(STATE_COOKIE))
    if not (bound and state and secrets.compare_digest(state.encode(), bound[0].encode())):
        log.warning("oauth state refused", extra={"has_cookie": STATE_COOKIE in request.cookies})
        raise PageError(400, "登录校验失败", "登录校验未通过,请从公众号菜单重新进入一证通查。")
    if not code:
        raise PageError(400, "未获得微信授权", "未获得微信授权,请从公众号菜单重新进入一证通查。")
    next_path = bound[1]
    channel = channel_in_page(next_path)  # /h5/?c=<id>: the QR-code channel, carried through
    try:
        session = services().login(WECHAT_OA, code, FrontEnd.H5, request.remote_addr or "", channel)
    except LoginFailed:
        raise PageError(
            400, "微信登录失败", "微信登录失败,请从公众号菜单重新进入一证通查。"
        ) from None
    except PlatformUnavailable:
        raise PageError(503, "微信暂时无法登录", "微信暂时无法登录,请稍后重试。") from None
    log.info("h5 session opened", extra={"platform": WECHAT_OA})
    # A page, not a redirect: a Strict cookie is not sent on a redirect chain that began on
    # another site (WeChat's authorize page), so the next request must start from our page.
    response = current_app.make_response(render_template("h5/continue.html", next=next_path))
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=session.expires_in,
        path="/",
        httponly=True,
        secure=_https(),
        samesite="Strict",
    )
    response.delete_cookie(STATE_COOKIE, path=CALLBACK_PATH)
    return response


def safe_next(path: str) -> str:
    """Only our own pages, of a bounded length: never an open redirect, never a big cookie."""
    ours = path.startswith(HOME) and "//" not in path and "\\" not in path and "\n" not in path
    return path if ours and len(path) <= MAX_NEXT_CHARS else HOME


def _https() -> bool:
    return services().settings.public_url.startswith("https://")
