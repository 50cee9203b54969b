"""Alipay's documented error answers to alipay.system.oauth.token, chosen by the login code.

A code starting with one of the prefixes below gets that answer (a code starting with "bad"
gets isv.code-invalid, as before). The shapes are the ones python-alipay-sdk parses:
- `error_response` (unsigned, as the gateway sends its own refusals), with the public codes of
  公共错误码 (opendocs.alipay.com/open/common/105806) or the method's own sub_code;
- an error signed inside `alipay_system_oauth_token_response`, as Alipay signs business errors;
- no JSON at all (a proxy's error page), and a signature that does not verify.

| prefix | answer |
| --- | --- |
| `expired` | 40002 isv.code-expired (error_response) |
| `authcode` | 40002 invalid-auth-code (error_response) |
| `appid` | 40002 isv.invalid-app-id (error_response) |
| `unknown` | 20000 isp.unknow-error (error_response) |
| `inbody` | 40004 isv.code-invalid, signed inside the normal answer |
| `inbodybusy` | 20000 isp.unknow-error, signed inside the normal answer |
| `nojson` | HTTP 200 with an HTML page |
| `wrongsign` | the normal answer with a signature that does not verify |
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

RESPONSE_KEY = "alipay_system_oauth_token_response"


def _error(code: str, msg: str, sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


INVALID = "Invalid Arguments"
UNAVAILABLE = "Service Currently Unavailable"
ERROR_RESPONSES = {
    "expired": _error("40002", INVALID, "isv.code-expired", "授权码code已过期"),
    "authcode": _error("40002", INVALID, "invalid-auth-code", "授权码无效"),
    "appid": _error("40002", INVALID, "isv.invalid-app-id", "无效的AppID参数"),
    "unknown": _error("20000", UNAVAILABLE, "isp.unknow-error", "服务暂不可用(业务系统不可用)"),
}
SIGNED_ERRORS = {
    "inbodybusy": _error("20000", UNAVAILABLE, "isp.unknow-error", "服务暂不可用(业务系统不可用)"),
    "inbody": _error("40004", "Business Failed", "isv.code-invalid", "授权码code无效"),
}
PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def scripted_answer(code: str) -> dict[str, Any] | web.Response | None:
    """The answer a scripted login code asks for, or None for an ordinary code."""
    for prefix, error in SIGNED_ERRORS.items():  # "inbodybusy" before "inbody"
        if code.startswith(prefix):
            return {**error, "sign_it": True}
    for prefix, error in ERROR_RESPONSES.items():
        if code.startswith(prefix):
            return web.Response(
                text=_compact({"error_response": error}),
                content_type="application/json",
                charset="utf-8",
            )
    if code.startswith("nojson"):
        return web.Response(text=PAGE, content_type="text/html", charset="utf-8")
    if code.startswith("wrongsign"):
        answer = {"user_id": f"sbx_{code}", "access_token": "t", "expires_in": 1}
        text = f'{{"{RESPONSE_KEY}":{_compact(answer)},"sign":"bm90IGEgc2lnbmF0dXJl"}}'
        return web.Response(text=text, content_type="application/json", charset="utf-8")
    return None
