"""The SMS gateway: signed like a partner, renders registered templates, dedupes on out_id."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from sandbox.catalog import SmsTemplate
from sandbox.common import CATALOG, SETTINGS, STATE, emulate_partner, json_response, parse_object
from sandbox.signing import check_signed
from sandbox.state import utc_now_iso

PARTNER = "sms"
MAX_PARAM_CHARS = 35  # Alibaba Cloud's limit per variable


def _bad(code: str) -> web.Response:
    return json_response({"code": code}, status=400)


def _well_formed(body: dict[str, Any]) -> bool:
    strings = all(
        isinstance(body.get(k), str) and body[k] for k in ("phone", "sign_name", "out_id")
    )
    return strings and isinstance(body.get("template_code"), str)


def _valid_params(template: SmsTemplate, params: Any) -> dict[str, str] | None:
    """The params when they are exactly the template's placeholders, as short strings."""
    if not isinstance(params, dict) or set(params) != template.placeholders:
        return None
    if not all(isinstance(v, str) and len(v) <= MAX_PARAM_CHARS for v in params.values()):
        return None
    return params


async def send(request: web.Request) -> web.Response:
    received_at = utc_now_iso()  # when the SMS reached the gateway, before its own latency
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
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
    params = _valid_params(template, body.get("params"))
    if params is None:
        return _bad("invalid_params")
    state = request.app[STATE]
    earlier = state.sms_by_out_id.get(body["out_id"])
    if earlier is not None:
        return json_response({"code": "OK", "message_id": earlier})  # accepted, not sent again
    message_id = str(uuid.uuid4())
    message = {
        "phone": body["phone"],
        "template": template.name,
        "params": params,
        "text": f"【{body['sign_name']}】" + template.text.format(**params),
        "received_at": received_at,
        "sent_at": utc_now_iso(),
    }
    state.record_sms(message, body["out_id"], message_id)
    return json_response({"code": "OK", "message_id": message_id})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/sms/v1/send", send)
