"""The SMS gateway: signed like a partner, renders registered templates, dedupes on out_id.

It holds a message to the rules of a mainland gateway (sandbox/sms_rules.py, Alibaba's): a
验证码 template has one variable of 4-6 digits, others at most 35 characters. Per-number limits
(sandbox/sms_frequency.py) apply when they are on; the `limit` fault refuses every message.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from aiohttp import web

from sandbox import sms_rules
from sandbox.catalog import SmsTemplate
from sandbox.common import CATALOG, SETTINGS, STATE, emulate_partner, json_response, parse_object
from sandbox.signing import check_signed
from sandbox.sms_frequency import retry_after
from sandbox.state import utc_now_iso

PARTNER = "sms"
PROVIDER = "sandbox"
LIMIT_FAULT_RETRY_S = 60


def _bad(code: str) -> web.Response:
    return json_response({"code": code}, status=400)


def _well_formed(body: dict[str, Any]) -> bool:
    strings = all(
        isinstance(body.get(k), str) and body[k] for k in ("phone", "sign_name", "out_id")
    )
    return strings and isinstance(body.get("template_code"), str)


def _check(template: SmsTemplate, params: Any) -> str | None:
    """What the gateway refuses in this template and these parameters, or None."""
    kind = sms_rules.kind_of(template.kind, template.text)
    if sms_rules.registration_error(sms_rules.SANDBOX, kind, len(template.placeholders)):
        return "invalid_template"  # no gateway approves a 验证码 template with more variables
    if not isinstance(params, dict) or set(params) != template.placeholders:
        return "invalid_params"
    if sms_rules.value_errors(sms_rules.SANDBOX, kind, params):
        return "invalid_params"
    return None


def _throttled(code: str, wait_s: int) -> web.Response:
    return json_response({"code": code, "retry_after": wait_s}, status=429)


async def send(request: web.Request) -> web.Response:
    received_at = utc_now_iso()  # when the SMS reached the gateway, before its own latency
    state = request.app[STATE]
    injected = await emulate_partner(request, PARTNER)
    limited = state.fault(PARTNER).mode == "limit"
    if injected is not None and not limited:
        return injected
    signed = await check_signed(request, PARTNER, request.app[SETTINGS].sms_secret.encode())
    if isinstance(signed, web.Response):
        return signed
    body = parse_object(signed)
    if body is None or not _well_formed(body):
        return _bad("bad_request")
    template = request.app[CATALOG].sms_templates.get(body["template_code"])
    if template is None:
        return _bad("invalid_template")
    problem = _check(template, body.get("params"))
    if problem is not None:
        state.record_refusal(PROVIDER, body["phone"], template.name, problem)
        return _bad(problem)
    earlier = state.sms_by_out_id.get(body["out_id"])
    if earlier is not None:
        return json_response({"code": "OK", "message_id": earlier})  # accepted, not sent again
    return _deliver(request, body, template, received_at, limited)


def _deliver(
    request: web.Request,
    body: dict[str, Any],
    template: SmsTemplate,
    received_at: str,
    limited: bool,
) -> web.Response:
    state, phone, params = request.app[STATE], body["phone"], body["params"]
    text = f"【{body['sign_name']}】" + template.text.format(**params)
    kind = sms_rules.kind_of(template.kind, template.text)
    keys = {
        "signature": body["sign_name"],
        "template": f"{body['sign_name']}|{template.name}",
        "content": text,
    }
    now = time.time()
    rule = state.frequency.refusal(PROVIDER, phone, kind, keys, now)
    if limited or rule is not None:
        code = "rate_limited"
        state.record_refusal(PROVIDER, phone, template.name, rule.name if rule else "limit")
        return _throttled(code, retry_after(rule, now) if rule else LIMIT_FAULT_RETRY_S)
    message_id = str(uuid.uuid4())
    message = {
        "phone": phone,
        "template": template.name,
        "params": params,
        "text": text,
        "received_at": received_at,
        "sent_at": utc_now_iso(),
    }
    state.record_sms(message, body["out_id"], message_id)
    state.frequency.record(PROVIDER, phone, kind, keys, now)
    return json_response({"code": "OK", "message_id": message_id})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/sms/v1/send", send)
