"""Tencent Cloud SMS (2021-01-11 SendSms), as its official SDK calls it.

The request is JSON, signed with TC3-HMAC-SHA256. Request errors come back as Response.Error;
each number's fate is in SendStatusSet[].Code, as the SendSms page documents
(cloud.tencent.com/document/api/382/55981):
- a value in a 验证码 template that is not 0-6 digits:
  InvalidParameterValue.TemplateParameterFormatError; another value longer than the account
  allows: InvalidParameterValue.TemplateParameterLengthLimit;
- the wrong number of values: FailedOperation.TemplateIncorrectOrUnapproved;
- the per-number limits: LimitExceeded.PhoneNumberThirtySecondLimit / …DailyLimit; the `limit`
  fault: LimitExceeded.DeliveryFrequencyLimit (下发短信命中了频率限制策略).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox import sms_rules
from sandbox.cloud_signatures import check_tc3
from sandbox.common import SETTINGS, STATE, emulate_partner
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

KEYS = {"sandbox-tencent-id": "sandbox-tencent-key"}
APP_ID = "1400000000"
CLOCK_SKEW_S = 900
LIMIT_FAULT = "LimitExceeded.DeliveryFrequencyLimit"


def answer(response: Mapping[str, Any]) -> web.Response:
    # The SDK reads errors only when the content type is exactly application/json.
    body = json.dumps({"Response": {**response, "RequestId": str(uuid.uuid4())}})
    return web.Response(body=body.encode(), headers={"Content-Type": "application/json"})


def error(code: str) -> web.Response:
    return answer({"Error": {"Code": code, "Message": code}})


def _auth(request: web.Request, body: bytes) -> web.Response | None:
    headers = request.headers
    problem = check_tc3(request.method, request.path, headers, body, KEYS)
    if problem is not None:
        return error(problem)
    stamp = headers.get("X-TC-Timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > CLOCK_SKEW_S:
        return error("AuthFailure.SignatureExpire")
    if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
        return error("InvalidAction")
    return None


def _checks(request: web.Request, req: dict[str, Any]) -> str | CloudTemplate:
    """The request's error code, or the template it names."""
    if req.get("SmsSdkAppId") != APP_ID:
        return "InvalidParameterValue.SdkAppIdNotExist"
    if req.get("SignName") != request.app[SIGNATURE]:
        return "FailedOperation.SignatureIncorrectOrUnapproved"
    template: CloudTemplate | None = request.app[TEMPLATES]["tencent"].get(req.get("TemplateId"))
    if template is None:
        return "FailedOperation.TemplateIncorrectOrUnapproved"
    values = req.get("TemplateParamSet") or []
    if not isinstance(values, list) or len(values) != len(template.order):
        return "FailedOperation.TemplateIncorrectOrUnapproved"
    phones = req.get("PhoneNumberSet")
    if not isinstance(phones, list) or len(phones) != 1 or not isinstance(phones[0], str):
        return "InvalidParameterValue.IncorrectPhoneNumber"
    return template


def _status_code(
    request: web.Request, number: str, template: CloudTemplate, values: list[str]
) -> str:
    """This number's SendStatus code; "Ok" when the message went out."""
    if not (number.startswith("+86") and number[3:].isdigit() and len(number) == 14):
        return "InvalidParameterValue.IncorrectPhoneNumber"
    params = dict(zip(template.order, values, strict=True))
    out = Outgoing("tencent", number[3:], template, params, request.app[SIGNATURE])
    rules = sms_rules.tencent(request.app[SETTINGS].tencent_max_param_chars)
    if sms_rules.value_errors(rules, template.kind, params):
        code = (
            "InvalidParameterValue.TemplateParameterFormatError"
            if template.kind == sms_rules.VERIFICATION
            else "InvalidParameterValue.TemplateParameterLengthLimit"
        )
        refuse(request, out, code)
        return code
    limited = request.app[STATE].fault(PARTNER).mode == "limit"
    limit = throttle(request, out, limited)
    if limit is not None:
        return LIMIT_FAULT if isinstance(limit, str) else limit.code
    deliver(request, out)
    return "Ok"


async def send(request: web.Request) -> web.Response:
    body = await record_raw(request, "tencent")
    refused = _auth(request, body)
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
        return error("InvalidParameter")
    checked = _checks(request, req) if isinstance(req, dict) else "InvalidParameter"
    if isinstance(checked, str):
        return error(checked)
    number = req["PhoneNumberSet"][0]
    code = _status_code(request, number, checked, req["TemplateParamSet"] or [])
    status = {
        "SerialNo": str(uuid.uuid4()),
        "PhoneNumber": number,
        "Fee": 1 if code == "Ok" else 0,
        "SessionContext": req.get("SessionContext", ""),
        "Code": code,
        "Message": "send success" if code == "Ok" else code,
        "IsoCode": "CN",
    }
    return answer({"SendStatusSet": [status]})
