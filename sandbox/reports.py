"""The operators' side of 非本人 reports, as real operators take part (docs/partner-protocol.md):

- they keep the references their card answers issued (7 days), and refuse a report that names an
  unknown or expired one;
- they keep the reports they received, once per report id: `GET /_sandbox/reports?operator=`;
- told to by `POST /_sandbox/reports/<report>/answer`, they answer it, signed with their own key,
  at the backend's `/partners/v1/reports/<report>/answer` (SANDBOX_BACKEND_URL).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from adapters import partner_signing
from sandbox.common import CATALOG, SETTINGS, STATE, json_response, no_content, read_json_object
from sandbox.state import SandboxState

Answer = tuple[int, dict[str, Any]]
ANSWERS = ("closed", "confirmed", "visit_store")
_REPORT_ID = re.compile(r"[0-9A-Za-z]{1,64}")
_ENDING = re.compile(r"[0-9]{4}")
BACKEND_TIMEOUT_S = 10.0


def receive_report(state: SandboxState, operator: str, body: dict[str, Any]) -> Answer:
    """`POST /partners/<operator>/v1/reports`, already signed and checked."""
    reference, report, keep = body.get("reference"), body.get("report"), body.get("keep", [])
    well_formed = (
        isinstance(reference, str)
        and isinstance(report, str)
        and _REPORT_ID.fullmatch(report) is not None
        and isinstance(keep, list)
        and len(keep) <= 20
        and all(isinstance(k, str) and _ENDING.fullmatch(k) for k in keep)
    )
    if not well_formed:
        return 400, {"error": "bad_request"}
    problem = state.reference_problem(str(reference), operator, time.time())
    if problem:
        return (404 if problem == "unknown_reference" else 410), {"error": problem}
    state.receive_report(operator, str(report), [str(k) for k in keep])
    return 200, {"received": True}


async def list_reports(request: web.Request) -> web.Response:
    operator = request.query.get("operator")
    reports = request.app[STATE].reports
    if operator:
        reports = [r for r in reports if r["operator"] == operator]
    return json_response({"reports": reports})


def _bad(detail: str) -> web.Response:
    return json_response({"error": "bad_request", "detail": detail}, status=400)


async def answer_report(request: web.Request) -> web.Response:
    """The operator answers, signed, at the backend; 204 once the backend took it."""
    report = request.match_info["report"]
    body = await read_json_object(request)
    if body is None:
        return _bad("body must be a JSON object")
    operator, answer, count = body.get("operator"), body.get("answer"), body.get("count")
    if operator not in request.app[CATALOG].operators:
        return _bad("operator must be a sandbox operator")
    if answer not in ANSWERS:
        return _bad("answer must be closed, confirmed or visit_store")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        return _bad("count must be an integer")
    if not request.app[STATE].received(report, str(operator)):
        return json_response({"error": "unknown_report"}, status=404)
    payload: dict[str, Any] = {"answer": answer}
    if count is not None:
        payload["count"] = count
    status, backend = await _send_answer(request.app, str(operator), report, payload)
    if status != 200:
        detail = {"error": "backend_refused", "status": status, "answer": backend}
        return json_response(detail, status=502)
    return no_content()


async def _send_answer(
    app: web.Application, operator: str, report: str, payload: dict[str, Any]
) -> tuple[int, Any]:
    settings = app[SETTINGS]
    url = URL(settings.backend_url.rstrip("/") + f"/partners/v1/reports/{report}/answer")
    raw = json.dumps(payload, ensure_ascii=False).encode()
    secret = settings.partner_secret(operator)
    # signed as our partner client signs its calls, the operator's id as the key id
    headers = partner_signing.signed_headers(operator, secret, "POST", url.raw_path, raw)
    timeout = aiohttp.ClientTimeout(total=BACKEND_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=raw, headers=headers) as response,
        ):
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text[:200]
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, type(exc).__name__


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_sandbox/reports", list_reports)
    app.router.add_post("/_sandbox/reports/{report}/answer", answer_report)
