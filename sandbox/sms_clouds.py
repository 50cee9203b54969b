"""Alibaba Cloud SMS and Tencent Cloud SMS, as their official SDKs call them.

Both SDKs post to the root path of their endpoint, so one handler at `POST /` tells them apart
by their headers (x-acs-action / X-TC-Action). Each request is kept as received (method, path,
query, headers, body) for `GET /_sandbox/sms/raw`, its signature is verified with the sandbox's
keys (sandbox/cloud_signatures.py), and a message is rendered from the registered template and
recorded in the same list as /sms/v1/send. Like the real services, neither dedupes on OutId /
SessionContext. The `sms` partner's faults apply; `limit` answers each provider's per-number
limit code.
"""

from __future__ import annotations

import json
import string
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import web

from sandbox.cloud_signatures import check_acs3, check_tc3
from sandbox.common import SETTINGS, STATE, emulate_partner, json_response
from sandbox.state import utc_now_iso

PARTNER = "sms"
ALIYUN_KEYS = {"sandbox-aliyun-ak": "sandbox-aliyun-secret"}
TENCENT_KEYS = {"sandbox-tencent-id": "sandbox-tencent-key"}
TENCENT_APP_ID = "1400000000"
ALIYUN_MAX_PARAM = 35
TENCENT_MAX_PARAM = 6
CLOCK_SKEW_S = 900


@dataclass(frozen=True)
class CloudTemplate:
    name: str
    text: str
    order: tuple[str, ...]  # placeholders in the order they appear (Tencent's {1}, {2}, ...)


TEMPLATES = web.AppKey("cloud_sms_templates", dict)  # provider -> template code -> template
SIGNATURE = web.AppKey("cloud_sms_signature", str)


def load_cloud_templates(path: Path) -> tuple[str, dict[str, dict[str, CloudTemplate]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_provider: dict[str, dict[str, CloudTemplate]] = {"aliyun": {}, "tencent": {}}
    for name, spec in data["templates"].items():
        order = tuple(dict.fromkeys(_ordered_placeholders(str(spec["text"]))))
        for provider, codes in by_provider.items():
            code = spec.get("ids", {}).get(provider)
            if code is not None:
                codes[str(code)] = CloudTemplate(str(name), str(spec["text"]), order)
    return str(data.get("signature", "")), by_provider


def _ordered_placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


async def _record_raw(request: web.Request, provider: str) -> bytes:
    body = await request.read()
    request.app[STATE].sms_raw.append(
        {
            "provider": provider,
            "method": request.method,
            "path": request.path,
            "query": dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)),
            "headers": dict(request.headers),
            "body": body.decode("utf-8", "replace"),
        }
    )
    return body


def _deliver(
    request: web.Request, phone: str, template: CloudTemplate, params: dict[str, str]
) -> None:
    message = {
        "phone": phone,
        "template": template.name,
        "params": params,
        "text": f"【{request.app[SIGNATURE]}】" + template.text.format(**params),
        "sent_at": utc_now_iso(),
    }
    request.app[STATE].sms.append(message)


# --- Alibaba Cloud ------------------------------------------------------------------------


def _aliyun(code: str, status: int = 200, **extra: str) -> web.Response:
    body = {"Code": code, "Message": code, "RequestId": str(uuid.uuid4()), **extra}
    return json_response(body, status=status)


def _aliyun_auth(request: web.Request, body: bytes) -> web.Response | None:
    headers = request.headers
    problem = check_acs3(
        request.method, request.path, request.rel_url.raw_query_string, headers, body, ALIYUN_KEYS
    )
    if problem is not None:
        return _aliyun(problem, status=404 if problem.endswith("NotFound") else 400)
    nonce = headers.get("x-acs-signature-nonce", "")
    if not request.app[STATE].remember_nonce("aliyun", nonce, CLOCK_SKEW_S, time.time()):
        return _aliyun("SignatureNonceUsed", status=400)
    if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
        return _aliyun("InvalidAction.NotFound", status=404)
    return None


async def aliyun_send(request: web.Request) -> web.Response:
    body = await _record_raw(request, "aliyun")
    refused = _aliyun_auth(request, body)
    if refused is not None:
        return refused
    if request.app[STATE].fault(PARTNER).mode == "limit":
        return _aliyun("isv.BUSINESS_LIMIT_CONTROL")
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
    phone = query.get("PhoneNumbers", "")
    if not (phone.isdigit() and len(phone) == 11):
        return _aliyun("isv.MOBILE_NUMBER_ILLEGAL")
    if query.get("SignName") != request.app[SIGNATURE]:
        return _aliyun("isv.SMS_SIGNATURE_ILLEGAL")
    template = request.app[TEMPLATES]["aliyun"].get(query.get("TemplateCode", ""))
    if template is None:
        return _aliyun("isv.SMS_TEMPLATE_ILLEGAL")
    params = _named_params(template, query.get("TemplateParam"))
    if params is None:
        return _aliyun("isv.TEMPLATE_PARAMS_ILLEGAL")
    _deliver(request, phone, template, params)
    return _aliyun("OK", BizId=f"{uuid.uuid4().int % 10**18}^0")


def _named_params(template: CloudTemplate, raw: str | None) -> dict[str, str] | None:
    try:
        params = json.loads(raw) if raw else {}
    except ValueError:
        return None
    if not isinstance(params, dict) or set(params) != set(template.order):
        return None
    if not all(isinstance(v, str) and len(v) <= ALIYUN_MAX_PARAM for v in params.values()):
        return None
    return params


# --- Tencent Cloud ------------------------------------------------------------------------


def _tencent(response: Mapping[str, Any]) -> web.Response:
    # The SDK reads errors only when the content type is exactly application/json.
    body = json.dumps({"Response": {**response, "RequestId": str(uuid.uuid4())}})
    return web.Response(body=body.encode(), headers={"Content-Type": "application/json"})


def _tencent_error(code: str) -> web.Response:
    return _tencent({"Error": {"Code": code, "Message": code}})


def _tencent_auth(request: web.Request, body: bytes) -> web.Response | None:
    headers = request.headers
    problem = check_tc3(request.method, request.path, headers, body, TENCENT_KEYS)
    if problem is not None:
        return _tencent_error(problem)
    stamp = headers.get("X-TC-Timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > CLOCK_SKEW_S:
        return _tencent_error("AuthFailure.SignatureExpire")
    if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
        return _tencent_error("InvalidAction")
    return None


def _tencent_checks(request: web.Request, req: dict[str, Any]) -> str | CloudTemplate:
    """The request's error code, or the template it names."""
    if req.get("SmsSdkAppId") != TENCENT_APP_ID:
        return "InvalidParameterValue.SdkAppIdNotExist"
    if req.get("SignName") != request.app[SIGNATURE]:
        return "FailedOperation.SignatureIncorrectOrUnapproved"
    template = request.app[TEMPLATES]["tencent"].get(req.get("TemplateId"))
    if template is None:
        return "FailedOperation.TemplateIncorrectOrUnapproved"
    values = req.get("TemplateParamSet") or []
    if not isinstance(values, list) or len(values) != len(template.order):
        return "InvalidParameterValue.TemplateParameterFormatError"
    if not all(isinstance(v, str) and len(v) <= TENCENT_MAX_PARAM for v in values):
        return "InvalidParameterValue.TemplateParameterLengthLimit"
    phones = req.get("PhoneNumberSet")
    if not isinstance(phones, list) or len(phones) != 1 or not isinstance(phones[0], str):
        return "InvalidParameterValue.IncorrectPhoneNumber"
    return template


async def tencent_send(request: web.Request) -> web.Response:
    body = await _record_raw(request, "tencent")
    refused = _tencent_auth(request, body)
    if refused is not None:
        return refused
    injected = None
    if request.app[STATE].fault(PARTNER).mode != "limit":
        injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    try:
        req = json.loads(body)
    except ValueError:
        return _tencent_error("InvalidParameter")
    checked = _tencent_checks(request, req) if isinstance(req, dict) else "InvalidParameter"
    if isinstance(checked, str):
        return _tencent_error(checked)
    number = req["PhoneNumberSet"][0]
    code = "Ok"
    if not (number.startswith("+86") and number[3:].isdigit() and len(number) == 14):
        code = "InvalidParameterValue.IncorrectPhoneNumber"
    elif request.app[STATE].fault(PARTNER).mode == "limit":
        code = "LimitExceeded.PhoneNumberDailyLimit"
    else:
        params = dict(zip(checked.order, req["TemplateParamSet"], strict=True))
        _deliver(request, number[3:], checked, params)
    status = {
        "SerialNo": str(uuid.uuid4()),
        "PhoneNumber": number,
        "Fee": 1 if code == "Ok" else 0,
        "SessionContext": req.get("SessionContext", ""),
        "Code": code,
        "Message": "send success" if code == "Ok" else code,
        "IsoCode": "CN",
    }
    return _tencent({"SendStatusSet": [status]})


# --- routing and control ------------------------------------------------------------------


async def root(request: web.Request) -> web.Response:
    if "X-TC-Action" in request.headers:
        return await tencent_send(request)
    if "x-acs-action" in request.headers:
        return await aliyun_send(request)
    return json_response({"error": "not_found"}, status=404)


async def get_raw(request: web.Request) -> web.Response:
    provider = request.query.get("provider")
    raw = request.app[STATE].sms_raw
    if provider:
        raw = [r for r in raw if r["provider"] == provider]
    return json_response({"requests": raw})


def add_routes(app: web.Application) -> None:
    signature, templates = load_cloud_templates(app[SETTINGS].sms_templates_path)
    app[SIGNATURE] = signature
    app[TEMPLATES] = templates
    app.router.add_post("/", root)
    app.router.add_get("/_sandbox/sms/raw", get_raw)
