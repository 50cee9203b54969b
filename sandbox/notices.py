"""Platform notices, as wechatpy and python-alipay-sdk send them, recorded for
`GET /_sandbox/notices?user=`.

- `POST /cgi-bin/message/subscribe/send?access_token=`: a mini-program subscribe message;
  the token must be the mini-program's current one (sandbox/wechat.py hands them out).
- `POST /cgi-bin/message/template/send?access_token=`: an official-account template message;
  the token must be the official account's.
- Alipay's gateway method `alipay.open.app.mini.templatemessage.send` (sandbox/alipay.py checks
  the RSA2 signature and signs the answer).

Each checks the keyword values against the platform's limits (WeChat: by keyword type, e.g.
`thing` 20 characters, `phrase` 5 Chinese characters, else 47003; Alipay: 50). A token that is
not the app's current one gets 40001, an expired one 42001. A user whose login code begins with
`refuse` (user `sbx_refuse…`) has no subscription left: WeChat answers 43101, Alipay 40004
USER_NOT_SUBSCRIBED; `noticebusy` gets WeChat's -1 (system error) and `noticefreq` its 45011
(rate limit). POST /_sandbox/wechat/tokens/expire makes the current tokens expire (42001).
Faults on the partners `wechat` and `alipay` apply.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from aiohttp import web

from sandbox import alipay
from sandbox.common import SETTINGS, STATE, emulate_partner, json_response, read_json_object

PARTNER = "wechat"
REFUSING_PREFIX = "sbx_refuse"
# users (login code noticebusy… / noticefreq…) whose messages WeChat cannot take right now
SCRIPTED_USERS = {
    "sbx_noticebusy": (-1, "system error"),
    "sbx_noticefreq": (45011, "api minute-quota reach limit  mustslower  retry next minute"),
}
ALIPAY_METHOD = "alipay.open.app.mini.templatemessage.send"
ALIPAY_MAX_VALUE = 50
# WeChat's published keyword limits, held here apart from notices/platform.py on purpose: the
# sandbox plays WeChat, so it must not trust the app's own copy of the rules it checks.
WECHAT_LIMITS = {
    "thing": 20,
    "phrase": 5,
    "name": 10,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "amount": 32,
    "time": 32,
    "date": 32,
}
_PHRASE_RE = re.compile(r"^[\u4e00-\u9fff]{1,5}$")


def _errcode(code: int, message: str) -> web.Response:
    return json_response({"errcode": code, "errmsg": message})


def _token_error(request: web.Request, appid: str) -> web.Response | None:
    """None when access_token is the current token of that app; else WeChat's error."""
    token = request.query.get("access_token", "")
    state = request.app[STATE]
    if state.token_appid(token) == appid:
        return None
    current = state.tokens.get(appid)
    if current is not None and secrets.compare_digest(current.value, token):
        return _errcode(42001, "access_token expired")
    return _errcode(40001, "invalid credential, access_token is invalid or not latest")


def _bad_keyword(data: Any) -> str | None:
    """The first keyword whose value breaks WeChat's rules, "data" when data is malformed."""
    if not isinstance(data, dict) or not data:
        return "data"
    for keyword, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        kind = str(keyword).rstrip("0123456789")
        if not isinstance(value, str) or not value:
            return str(keyword)
        if len(value) > WECHAT_LIMITS.get(kind, 200):
            return str(keyword)
        if kind == "phrase" and not _PHRASE_RE.match(value):
            return str(keyword)
    return None


async def _wechat_send(request: web.Request, channel: str, appid: str) -> web.Response:
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    refused = _token_error(request, appid)
    if refused is not None:
        return refused
    body = await read_json_object(request)
    if body is None:
        return _errcode(47001, "data format error")
    user, template = body.get("touser"), body.get("template_id")
    if not isinstance(user, str) or not user:
        return _errcode(40003, "invalid openid")
    if not isinstance(template, str) or not template:
        return _errcode(40037, "invalid template_id")
    bad = _bad_keyword(body.get("data"))
    if bad is not None:
        return _errcode(47003, f"argument invalid! data.{bad}.value invalid")
    if user.startswith(REFUSING_PREFIX):
        return _errcode(43101, "user refuse to accept the msg")
    scripted = next((e for prefix, e in SCRIPTED_USERS.items() if user.startswith(prefix)), None)
    if scripted is not None:
        return _errcode(*scripted)
    request.app[STATE].record_notice(channel, user, template, body["data"])
    return json_response({"errcode": 0, "errmsg": "ok", "msgid": time.time_ns()})


async def subscribe_send(request: web.Request) -> web.Response:
    appid = request.app[SETTINGS].wechat_mp_appid
    return await _wechat_send(request, "wechat_subscribe", appid)


async def template_send(request: web.Request) -> web.Response:
    appid = request.app[SETTINGS].wechat_oa_appid
    return await _wechat_send(request, "wechat_template", appid)


def _business_failure(sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": alipay.BUSINESS_FAILED, "msg": "Business Failed", "sub_code": sub_code,
            "sub_msg": sub_msg}  # fmt: skip


def alipay_template_send(app: web.Application, params: dict[str, str]) -> dict[str, Any]:
    """The mini-program template message; the gateway has checked app id and signature."""
    try:
        biz = json.loads(params.get("biz_content", ""))
        data = json.loads(biz.get("data", ""))
    except (ValueError, AttributeError, TypeError):
        return _business_failure("INVALID_PARAMETER", "参数有误")
    user = biz.get("to_user_id") or biz.get("to_open_id")
    template = biz.get("user_template_id")
    if not isinstance(user, str) or not user or not isinstance(template, str) or not template:
        return _business_failure("INVALID_PARAMETER", "参数有误")
    values = [item.get("value") if isinstance(item, dict) else None for item in data.values()]
    if not data or not all(isinstance(v, str) and 0 < len(v) <= ALIPAY_MAX_VALUE for v in values):
        return _business_failure("INVALID_PARAMETER", "模板参数有误")
    if user.startswith(REFUSING_PREFIX):
        return _business_failure("USER_NOT_SUBSCRIBED", "用户未订阅该消息")
    app[STATE].record_notice("alipay_template", user, template, data)
    return {"code": "10000", "msg": "Success"}


def add_routes(app: web.Application) -> None:
    app.router.add_post("/cgi-bin/message/subscribe/send", subscribe_send)
    app.router.add_post("/cgi-bin/message/template/send", template_send)
    app[alipay.METHODS][ALIPAY_METHOD] = alipay_template_send
