"""Alipay's open-platform gateway as python-alipay-sdk 3.4.0 calls it (alipay.system.oauth.token).

The SDK signs sorted `k=v` pairs of every parameter except `sign` (sign_type included) with
RSA2, and verifies our answer by cutting the raw `<method>_response` object out of the text, so
the signed JSON is emitted byte for byte as it was signed.

`timestamp` is China time ("yyyy-MM-dd HH:mm:ss", no zone): one more than CLOCK_SKEW_S away
from now is isv.invalid-timestamp (公共错误码, opendocs.alipay.com/open/common/105806; the
tolerance is not published: 15 minutes is our assumption, SANDBOX_ALIPAY_CLOCK_SKEW_S).

A login code's prefix chooses one of Alipay's documented answers (sandbox/alipay_errors.py).
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from sandbox.alipay_errors import scripted_answer
from sandbox.common import KEYS, REQUEST_HOST, SETTINGS, emulate_partner

PARTNER = "alipay"
OAUTH_METHOD = "alipay.system.oauth.token"
BUSINESS_FAILED = "40004"  # a method's own refusal: signed, inside <method>_response
# The methods by name: each takes the app and the parameters and returns the answer, or an
# error object (with a sub_code). sandbox/notices.py adds the mini-program template message.
METHODS = web.AppKey("alipay_methods", dict)


def _error(sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}


INVALID_APP_ID = _error("isv.invalid-app-id", "无效的AppID参数")
INVALID_SIGN_TYPE = _error("isv.invalid-signature-type", "无效的签名类型")
INVALID_SIGNATURE = _error("isv.invalid-signature", "验签出错")
INVALID_METHOD = _error("isv.invalid-method", "不存在的方法名")
INVALID_GRANT_TYPE = _error("isv.grant-type-invalid", "grant_type参数不正确")
INVALID_CODE = _error("isv.code-invalid", "授权码code无效")
INVALID_TIMESTAMP = _error("isv.invalid-timestamp", "非法的时间戳参数")
CHINA = timezone(timedelta(hours=8))


def _raw(text: str) -> web.Response:
    return web.Response(text=text, content_type="application/json", charset="utf-8")


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def error_response(error: dict[str, str]) -> web.Response:
    return _raw(_compact({"error_response": error}))


async def _params(request: web.Request) -> dict[str, str]:
    """Query parameters, plus form fields on POST (the form wins)."""
    params = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
    if request.method == "POST":
        form = (await request.read()).decode("utf-8", "replace")
        params.update(parse_qsl(form, keep_blank_values=True))
    return params


def biz_content(params: dict[str, str]) -> dict[str, Any]:
    """The method's own parameters (a JSON object in `biz_content`), or {} when malformed."""
    try:
        biz = json.loads(params.get("biz_content", ""))
    except ValueError:
        return {}
    return biz if isinstance(biz, dict) else {}


def signing_string(params: dict[str, str]) -> str:
    """What the SDK's sign_data signs: every parameter but `sign`, sorted, unescaped."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")


def oauth_token(params: dict[str, str]) -> dict[str, Any] | web.Response:
    """The token answer, an error object (it has a sub_code), or a scripted answer."""
    if params.get("grant_type") != "authorization_code":
        return INVALID_GRANT_TYPE
    code = params.get("code", "")
    if not code or code.startswith("bad"):
        return INVALID_CODE
    scripted = scripted_answer(code)
    if scripted is not None:
        return scripted
    return {
        "user_id": f"sbx_{code}",
        "open_id": f"sbx_{code}",
        "access_token": secrets.token_urlsafe(24),
        "expires_in": 1296000,
        "refresh_token": secrets.token_urlsafe(24),
        "re_expires_in": 2592000,
    }


async def gateway(request: web.Request) -> web.Response:
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    params = await _params(request)
    if params.get("app_id") != request.app[SETTINGS].alipay_appid:
        return error_response(INVALID_APP_ID)
    if params.get("sign_type", "RSA2") != "RSA2":
        return error_response(INVALID_SIGN_TYPE)
    keys = request.app[KEYS]
    if not keys.verify_app(signing_string(params), params.get("sign", "")):
        return error_response(INVALID_SIGNATURE)
    if not _in_time(params.get("timestamp", ""), request.app[SETTINGS].alipay_clock_skew_s):
        return error_response(INVALID_TIMESTAMP)
    method = params.get("method", "")
    REQUEST_HOST.set(request.host)  # for answers that point back here (an image's address)
    handler = request.app[METHODS].get(method)
    if handler is None:
        return error_response(INVALID_METHOD)
    answer = handler(request.app, params)
    if isinstance(answer, web.Response):
        return answer
    sign_it = bool(answer.get("sign_it"))  # an error Alipay signs inside the normal answer
    answer = {k: v for k, v in answer.items() if k != "sign_it"}
    if "sub_code" in answer and answer.get("code") != BUSINESS_FAILED and not sign_it:
        return error_response(answer)
    return signed_answer(request.app, method, answer)


def signed_answer(app: web.Application, method: str, answer: dict[str, Any]) -> web.Response:
    inner = _compact(answer)
    response_key = method.replace(".", "_") + "_response"
    sign = app[KEYS].sign_as_alipay(inner)
    return _raw(f'{{"{response_key}":{inner},"sign":"{sign}"}}')


def _in_time(stamp: str, skew_s: float) -> bool:
    """A China-time "yyyy-MM-dd HH:mm:ss" within skew_s of now."""
    try:
        sent = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return False
    return abs(sent.timestamp() - time.time()) <= skew_s


def add_routes(app: web.Application) -> None:
    app[METHODS] = {OAUTH_METHOD: lambda _app, params: oauth_token(params)}
    app.router.add_get("/gateway.do", gateway)
    app.router.add_post("/gateway.do", gateway)
