"""WeChat web OAuth (网页授权) as the H5 pages use it: the authorize page and the code exchange.

The authorize page asks nothing: like snsapi_base inside WeChat, it redirects straight back with
a code and the state. Each browser keeps one sandbox user (a cookie on the sandbox), so its
openid stays the same across logins; the exchange gives openid `sbx_<code>`, as everywhere in
the sandbox, and a code starting with "bad" is refused (errcode 40029).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from sandbox.common import SETTINGS, emulate_partner, json_response

PARTNER = "wechat"
USER_COOKIE = "sbx_wechat_web_user"
SCOPES = ("snsapi_base", "snsapi_userinfo")
INVALID_SECRET = {"errcode": 40125, "errmsg": "invalid appsecret"}
INVALID_CODE = {"errcode": 40029, "errmsg": "invalid code"}
INVALID_GRANT = {"errcode": 40002, "errmsg": "invalid grant_type"}


def _refuse(reason: str) -> web.Response:
    # WeChat shows an error page in the browser, not JSON
    return web.Response(status=400, text=f"sandbox oauth2 error: {reason}", charset="utf-8")


async def authorize(request: web.Request) -> web.StreamResponse:
    """GET /connect/oauth2/authorize: straight back to redirect_uri with a code and the state."""
    settings, query = request.app[SETTINGS], request.query
    if query.get("appid") != settings.wechat_oa_appid:
        return _refuse("appid")
    if query.get("response_type") != "code" or query.get("scope") not in SCOPES:
        return _refuse("response_type or scope")
    target = urlsplit(query.get("redirect_uri", ""))
    if target.scheme not in ("http", "https") or not target.netloc:
        return _refuse("redirect_uri")
    user = request.cookies.get(USER_COOKIE) or secrets.token_hex(8)
    back = {"code": user}
    if query.get("state"):
        back["state"] = query["state"]
    separator = "&" if target.query else "?"
    location = query["redirect_uri"].split("#", 1)[0] + separator + urlencode(back)
    response = web.HTTPFound(location)
    response.set_cookie(USER_COOKIE, user, path="/connect/", httponly=True, samesite="Lax")
    raise response  # aiohttp deprecates returning an HTTPException: raised, it is the answer


async def access_token(request: web.Request) -> web.Response:
    """GET /sns/oauth2/access_token: the official account's code exchange."""
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    settings, query = request.app[SETTINGS], request.query
    secret = query.get("secret", "")
    if query.get("appid") != settings.wechat_oa_appid or not hmac.compare_digest(
        secret.encode(), settings.wechat_oa_secret.encode()
    ):
        return json_response(INVALID_SECRET)
    if query.get("grant_type") != "authorization_code":
        return json_response(INVALID_GRANT)
    code = query.get("code", "")
    if not code or code.startswith("bad"):
        return json_response(INVALID_CODE)
    return json_response(
        {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(32),
            "openid": f"sbx_{code}",
            "scope": "snsapi_base",
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/connect/oauth2/authorize", authorize)
    app.router.add_get("/sns/oauth2/access_token", access_token)
