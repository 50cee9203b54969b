"""WeChat's server API as wechatpy 1.8.18 calls it: access tokens and jscode2session.

A login code's prefix chooses one of jscode2session's documented answers (全局返回码 and the
code2Session page of the mini-program server API):

| prefix | answer |
| --- | --- |
| `bad` | 40029 invalid code |
| `used` | 40163 code been used |
| `risky` | 40226 high risk user (小程序登录拦截) |
| `freq` | 45011 api minute-quota reach limit |
| `busy` | -1 system error |
| `stale` | 40001 invalid credential |
| `noopenid` | a JSON answer without openid |
| `nojson` | HTTP 200 with an HTML page |

Every other code X is the user sbx_X.
"""

from __future__ import annotations

import base64
import hmac
import math
import secrets
import time

from aiohttp import web

from sandbox.common import SETTINGS, STATE, emulate_partner, json_response, read_json_object

PARTNER = "wechat"
INVALID_SECRET = {"errcode": 40125, "errmsg": "invalid appsecret"}
INVALID_CODE = {"errcode": 40029, "errmsg": "invalid code"}
SCRIPTED = {
    "used": {"errcode": 40163, "errmsg": "code been used"},
    "risky": {"errcode": 40226, "errmsg": "invalid user, high risk user"},
    "freq": {
        "errcode": 45011,
        "errmsg": "api minute-quota reach limit  mustslower  retry next minute",
    },
    "busy": {"errcode": -1, "errmsg": "system error"},
    "stale": {
        "errcode": 40001,
        "errmsg": "invalid credential, access_token is invalid or not latest",
    },
    "noopenid": {"session_key": "c2Vzc2lvbi1rZXktb25seQ==", "unionid": "sbx_union"},
}
PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"
INVALID_GRANT = {"errcode": 40002, "errmsg": "invalid grant_type"}
BAD_DATA = {"errcode": 47001, "errmsg": "data format error"}


def _apps(request: web.Request) -> dict[str, str]:
    settings = request.app[SETTINGS]
    return {
        settings.wechat_oa_appid: settings.wechat_oa_secret,
        settings.wechat_mp_appid: settings.wechat_mp_secret,
    }


def _credentials_ok(apps: dict[str, str], appid: object, secret: object) -> bool:
    expected = apps.get(appid) if isinstance(appid, str) else None
    return (
        expected is not None
        and isinstance(secret, str)
        and hmac.compare_digest(expected.encode(), secret.encode())
    )


def _token_answer(request: web.Request, appid: str, rotate: bool) -> web.Response:
    token = request.app[STATE].issue_token(appid, rotate=rotate)
    expires_in = max(math.ceil(token.expires_at - time.time()), 0)
    return json_response({"access_token": token.value, "expires_in": expires_in})


async def token(request: web.Request) -> web.Response:
    """GET /cgi-bin/token: every call issues a new token and retires the old one."""
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    query = request.query
    if query.get("grant_type") != "client_credential":
        return json_response(INVALID_GRANT)
    appid = query.get("appid", "")
    if not _credentials_ok(_apps(request), appid, query.get("secret")):
        return json_response(INVALID_SECRET)
    return _token_answer(request, appid, rotate=True)


async def stable_token(request: web.Request) -> web.Response:
    """POST /cgi-bin/stable_token: the current token, a new one only with force_refresh."""
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    body = await read_json_object(request)
    if body is None:
        return json_response(BAD_DATA)
    if body.get("grant_type") != "client_credential":
        return json_response(INVALID_GRANT)
    appid = body.get("appid")
    if not isinstance(appid, str) or not _credentials_ok(_apps(request), appid, body.get("secret")):
        return json_response(INVALID_SECRET)
    return _token_answer(request, appid, rotate=body.get("force_refresh") is True)


async def jscode2session(request: web.Request) -> web.Response:
    """GET /sns/jscode2session: login code X is always user sbx_X (the mini-program only)."""
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    settings = request.app[SETTINGS]
    query = request.query
    mini_program = {settings.wechat_mp_appid: settings.wechat_mp_secret}
    if not _credentials_ok(mini_program, query.get("appid"), query.get("secret")):
        return json_response(INVALID_SECRET)
    if query.get("grant_type") != "authorization_code":
        return json_response(INVALID_GRANT)
    code = query.get("js_code", "")
    if not code or code.startswith("bad"):
        return json_response(INVALID_CODE)
    if code.startswith("nojson"):
        return web.Response(text=PAGE, content_type="text/html", charset="utf-8")
    scripted = next(
        (answer for prefix, answer in SCRIPTED.items() if code.startswith(prefix)), None
    )
    if scripted is not None:
        return json_response(scripted)
    session_key = base64.b64encode(secrets.token_bytes(16)).decode()
    return json_response({"openid": f"sbx_{code}", "session_key": session_key})


async def expire_tokens(request: web.Request) -> web.Response:
    """POST /_sandbox/wechat/tokens/expire: every current token expires now (the next call
    with one gets 42001), as after its two hours."""
    for current in request.app[STATE].tokens.values():
        current.expires_at = time.time() - 1
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/wechat/tokens/expire", expire_tokens)
    app.router.add_get("/cgi-bin/token", token)
    app.router.add_post("/cgi-bin/stable_token", stable_token)
    app.router.add_get("/sns/jscode2session", jscode2session)
