"""Alibaba Cloud SMS and Tencent Cloud SMS, as their official SDKs call them, and the control
endpoints of every SMS gateway's limits.

Both SDKs post to the root path of their endpoint, so one handler at `POST /` tells them apart
by their headers (x-acs-action / X-TC-Action): sandbox/sms_aliyun.py and sandbox/sms_tencent.py.
Each request is kept as received (method, path, query, headers, body) for
`GET /_sandbox/sms/raw`, its signature is verified with the sandbox's keys
(sandbox/cloud_signatures.py), the template and its values are held to that provider's rules
(sandbox/sms_rules.py) and its per-number limits when they are on (sandbox/sms_frequency.py), and
a message is recorded in the same list as /sms/v1/send. Like the real services, neither dedupes
on OutId / SessionContext. The `sms` partner's faults apply; `limit` answers each provider's
throttle code.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import sms_aliyun, sms_tencent
from sandbox.common import SETTINGS, STATE, json_response, no_content, read_json_object
from sandbox.sms_cloud_base import SIGNATURE, TEMPLATES, load_cloud_templates


async def root(request: web.Request) -> web.Response:
    if "X-TC-Action" in request.headers:
        return await sms_tencent.send(request)
    if "x-acs-action" in request.headers:
        return await sms_aliyun.send(request)
    return json_response({"error": "not_found"}, status=404)


async def get_raw(request: web.Request) -> web.Response:
    provider = request.query.get("provider")
    raw = request.app[STATE].sms_raw
    if provider:
        raw = [r for r in raw if r["provider"] == provider]
    return json_response({"requests": raw})


async def get_refusals(request: web.Request) -> web.Response:
    """Messages a gateway refused (limits, templates, values), oldest first; ?phone= filters."""
    phone = request.query.get("phone")
    refusals = request.app[STATE].sms_refusals
    if phone:
        refusals = [r for r in refusals if r["phone"] == phone]
    return json_response({"refusals": refusals})


async def get_frequency(request: web.Request) -> web.Response:
    return json_response(request.app[STATE].frequency.describe())


async def put_frequency(request: web.Request) -> web.Response:
    """{"enabled": true, "limits": {"tencent.daily": 10}}: each provider's default per-number
    limits, with the maxima given overridden (0 turns a rule off)."""
    body = await read_json_object(request)
    enabled, limits = (body or {}).get("enabled"), (body or {}).get("limits", {})
    if not isinstance(enabled, bool) or not _counts(limits):
        return json_response({"error": "bad_request", "detail": "enabled, limits"}, status=400)
    unknown = request.app[STATE].frequency.configure(enabled, limits)
    if unknown:
        return json_response({"error": "unknown_rule", "detail": unknown}, status=400)
    return no_content()


def _counts(limits: Any) -> bool:
    return isinstance(limits, dict) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in limits.values()
    )


def add_routes(app: web.Application) -> None:
    signature, templates = load_cloud_templates(app[SETTINGS].sms_templates_path)
    app[SIGNATURE] = signature
    app[TEMPLATES] = templates
    app.router.add_post("/", root)
    app.router.add_get("/_sandbox/sms/raw", get_raw)
    app.router.add_get("/_sandbox/sms/refusals", get_refusals)
    app.router.add_get("/_sandbox/sms/frequency", get_frequency)
    app.router.add_put("/_sandbox/sms/frequency", put_frequency)
