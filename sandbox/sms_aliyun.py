"""Alibaba Cloud SMS (Dysmsapi 2017-05-25 SendSms), as its official SDK calls it.

The parameters come in the query string, signed with ACS3-HMAC-SHA256. Answers carry Code and
Message as Alibaba documents them (国内消息API错误码, help.aliyun.com/document_detail/101346.html):
- a 验证码 template with more than one variable was never approved: isv.SMS_TEMPLATE_ILLEGAL;
- variables that are not the template's, or values that break its rules (a code of 4-6 digits,
  others at most 35 characters): isv.TEMPLATE_PARAMS_ILLEGAL;
- the per-number limits and the `limit` fault: isv.BUSINESS_LIMIT_CONTROL, "触发…流控Permits:N".
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qsl

from aiohttp import web

from sandbox import sms_rules
from sandbox.cloud_signatures import check_acs3
from sandbox.common import STATE, emulate_partner, json_response
from sandbox.sms_cloud_base import (
    PARTNER,
    SIGNATURE,
    TEMPLATES,
    CloudTemplate,
    Outgoing,
    deliver,
    record_raw,
    refuse,
    throttle,
)

KEYS = {"sandbox-aliyun-ak": "sandbox-aliyun-secret"}
CLOCK_SKEW_S = 900
THROTTLED = "isv.BUSINESS_LIMIT_CONTROL"
LIMIT_FAULT_MESSAGE = "触发分钟级流控Permits:1"
CODE_VALUES = "params must be [a-zA-Z0-9] for verification sms"


def answer(code: str, status: int = 200, message: str = "", **extra: str) -> web.Response:
    body = {"Code": code, "Message": message or code, "RequestId": str(uuid.uuid4()), **extra}
    return json_response(body, status=status)


def _auth(request: web.Request, body: bytes) -> web.Response | None:
    headers = request.headers
    problem = check_acs3(
        request.method, request.path, request.rel_url.raw_query_string, headers, body, KEYS
    )
    if problem is not None:
        return answer(problem, status=404 if problem.endswith("NotFound") else 400)
    nonce = headers.get("x-acs-signature-nonce", "")
    if not request.app[STATE].remember_nonce("aliyun", nonce, CLOCK_SKEW_S, time.time()):
        return answer("SignatureNonceUsed", status=400)
    if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
        return answer("InvalidAction.NotFound", status=404)
    return None


def _named_params(template: CloudTemplate, raw: str | None) -> dict[str, str] | None:
    try:
        params = json.loads(raw) if raw else {}
    except ValueError:
        return None
    if not isinstance(params, dict) or set(params) != set(template.order):
        return None
    return params


def _outgoing(request: web.Request, query: dict[str, str]) -> Outgoing | web.Response:
    phone = query.get("PhoneNumbers", "")
    if not (phone.isdigit() and len(phone) == 11):
        return answer("isv.MOBILE_NUMBER_ILLEGAL")
    if query.get("SignName") != request.app[SIGNATURE]:
        return answer("isv.SMS_SIGNATURE_ILLEGAL")
    template = request.app[TEMPLATES]["aliyun"].get(query.get("TemplateCode", ""))
    if template is None:
        return answer("isv.SMS_TEMPLATE_ILLEGAL")
    rules, kind = sms_rules.ALIYUN, template.kind
    if sms_rules.registration_error(rules, kind, len(template.order)):
        return answer("isv.SMS_TEMPLATE_ILLEGAL", message="验证码模板仅支持一个变量")
    params = _named_params(template, query.get("TemplateParam"))
    out = Outgoing("aliyun", phone, template, params or {}, request.app[SIGNATURE])
    if params is None or sms_rules.value_errors(rules, kind, params):
        refuse(request, out, "isv.TEMPLATE_PARAMS_ILLEGAL")
        wording = CODE_VALUES if kind == sms_rules.VERIFICATION else "模板变量不符合变量属性"
        return answer("isv.TEMPLATE_PARAMS_ILLEGAL", message=wording)
    return out


async def send(request: web.Request) -> web.Response:
    body = await record_raw(request, "aliyun")
    refused = _auth(request, body)
    if refused is not None:
        return refused
    state = request.app[STATE]
    limited = state.fault(PARTNER).mode == "limit"
    injected = None if limited else await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
    out = _outgoing(request, query)
    if isinstance(out, web.Response):
        return out
    limit = throttle(request, out, limited)
    if limit is not None:
        message = LIMIT_FAULT_MESSAGE if isinstance(limit, str) else limit.message
        return answer(THROTTLED, message=message)
    deliver(request, out)
    return answer("OK", message="OK", BizId=f"{uuid.uuid4().int % 10**18}^0")
