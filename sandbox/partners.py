"""Operators and internet companies, speaking the partner protocol (docs/partner-protocol.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.common import CATALOG, SETTINGS, STATE, emulate_partner, json_response, parse_object
from sandbox.reports import receive_report
from sandbox.signing import check_signed
from sandbox.state import IN_SERVICE, SandboxState

Answer = tuple[int, dict[str, Any]]
BAD_REQUEST: Answer = (400, {"error": "bad_request"})


def _strings(body: dict[str, Any], *names: str) -> bool:
    return all(isinstance(body.get(name), str) and body[name] for name in names)


def cards_query(state: SandboxState, operator: str, body: dict[str, Any]) -> Answer:
    if not _strings(body, "id_number", "name", "phone"):
        return BAD_REQUEST
    # every answer carries a reference to this query, good for 7 days (a report names it)
    reference = state.issue_reference(operator, body["id_number"], time.time())
    person = state.people.get(body["id_number"])
    if person is None or person.name != body["name"]:
        return 200, {"cards": [], "phone_status": "none", "reference": reference}
    mine = [card for card in person.cards if card.operator == operator]
    cards = [{"status": c.status, "last4": c.phone[-4:]} for c in mine if c.status in IN_SERVICE]
    statuses = [card.status for card in mine if card.phone == body["phone"]]
    # A number listed twice for one person: in-service wins over cancelled.
    in_service = [status for status in statuses if status in IN_SERVICE]
    phone_status = (in_service or statuses or ["none"])[-1]
    return 200, {"cards": cards, "phone_status": phone_status, "reference": reference}


def owner_verify(state: SandboxState, operator: str, body: dict[str, Any]) -> Answer:
    if not _strings(body, "phone", "id_last6"):
        return BAD_REQUEST
    holders = state.holders(operator, body["phone"])
    current = [(p, c) for p, c in holders if c.status in IN_SERVICE]
    chosen = (current or holders)[-1:]  # the last PUT wins
    if not chosen:
        return 200, {"phone_status": "none", "id_last6_match": False}
    person, card = chosen[0]
    match = person.id_number.upper().endswith(body["id_last6"].upper())
    return 200, {"phone_status": card.status, "id_last6_match": match}


def accounts_count(state: SandboxState, products: frozenset[str], body: dict[str, Any]) -> Answer:
    asked = body.get("products")
    if not _strings(body, "phone") or not isinstance(asked, list):
        return BAD_REQUEST
    if not all(isinstance(product, str) and product in products for product in asked):
        return BAD_REQUEST  # a product this company does not run
    counts = state.accounts.get(body["phone"], {})
    return 200, {"counts": {product: counts.get(product, 0) for product in asked}}


Handler = Callable[[web.Request], Awaitable[web.Response]]
Operation = Callable[[web.Request, str, dict[str, Any]], Answer]
UNAVAILABLE: Answer = (500, {"error": "injected"})
REF = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


def _known(request: web.Request, kind: str, partner: str) -> bool:
    catalog = request.app[CATALOG]
    known = set(catalog.operators) if kind in ("operator", "any") else set()
    if kind in ("company", "any"):
        known |= set(catalog.companies)
    return partner in known


async def _signed_body(
    request: web.Request, partner: str, queries: int = 1, parsed: dict[str, Any] | None = None
) -> dict[str, Any] | web.Response:
    """After the emulated latency and faults, the signature: the body, or the answer to send.
    parsed: the body already read and parsed by the caller (aiohttp reads it once)."""
    injected = await emulate_partner(request, partner, queries)
    if injected is not None:
        return injected
    signed = await check_signed(request, partner, request.app[SETTINGS].partner_secret(partner))
    if isinstance(signed, web.Response):
        return signed
    body = parsed if parsed is not None else parse_object(signed)
    if body is None:
        return json_response({"error": "bad_request"}, status=400)
    return body


def _one(request: web.Request, partner: str, answer: Operation, body: dict[str, Any]) -> Answer:
    """One query's answer, unless a fault scoped to its number fails it."""
    fault = request.app[STATE].fault(partner)
    if fault.phones and fault.mode == "error" and body.get("phone") in fault.phones:
        return UNAVAILABLE
    return answer(request, partner, body)


def _partner_endpoint(kind: str, answer: Operation) -> Handler:
    """Wrap one operation: known partner of that kind, latency and faults, signature, body."""

    async def handler(request: web.Request) -> web.Response:
        partner = request.match_info["partner"]
        if not _known(request, kind, partner):
            return json_response({"error": "unknown_partner"}, status=404)
        body = await _signed_body(request, partner)
        if isinstance(body, web.Response):
            return body
        status, data = _one(request, partner, answer, body)
        return json_response(data, status=status)

    return handler


def _batch_endpoint(kind: str, answer: Operation) -> Handler:
    """The same operation for up to the partner's batch size of queries, each with its `ref`;
    each answered on its own: its answer, or {"ref", "error"} (docs/partner-protocol.md)."""

    async def handler(request: web.Request) -> web.Response:
        partner = request.match_info["partner"]
        if not _known(request, kind, partner):
            return json_response({"error": "unknown_partner"}, status=404)
        limit = request.app[CATALOG].batch.get(partner, 0)
        if not limit:  # like a partner that never built the endpoint
            return json_response({"error": "no_batch_endpoint"}, status=404)
        parsed = parse_object(await request.read())  # its queries count even when a fault answers
        carried = (parsed or {}).get("queries")
        count = len(carried) if isinstance(carried, list) else 1
        body = await _signed_body(request, partner, count, parsed)
        if isinstance(body, web.Response):
            return body
        queries = body.get("queries")
        if not isinstance(queries, list) or not 1 <= len(queries) <= limit:
            return json_response({"error": "bad_request", "max_queries": limit}, status=400)
        refs = [q.get("ref") if isinstance(q, dict) else None for q in queries]
        well_formed = all(isinstance(r, str) and REF.match(r) for r in refs)
        if not well_formed or len(set(refs)) != len(refs):  # each query's own, once
            return json_response({"error": "bad_request", "detail": "refs"}, status=400)
        answers = []
        for query in queries:
            item = {k: v for k, v in query.items() if k != "ref"}
            status, data = _one(request, partner, answer, item)
            if status == 200:
                answers.append({"ref": query["ref"], **data})
            else:
                error = "unavailable" if status >= 500 else "bad_request"
                answers.append({"ref": query["ref"], "error": error})
        return json_response({"answers": answers})

    return handler


def _ping(request: web.Request, partner: str, body: dict[str, Any]) -> Answer:
    return 200, {"ok": True}


def _cards(request: web.Request, partner: str, body: dict[str, Any]) -> Answer:
    return cards_query(request.app[STATE], partner, body)


def _owner(request: web.Request, partner: str, body: dict[str, Any]) -> Answer:
    return owner_verify(request.app[STATE], partner, body)


def _accounts(request: web.Request, partner: str, body: dict[str, Any]) -> Answer:
    return accounts_count(request.app[STATE], request.app[CATALOG].companies[partner], body)


def add_routes(app: web.Application) -> None:
    prefix = "/partners/{partner}/v1"
    for path, kind, operation in (
        ("cards/query", "operator", _cards),
        ("owner/verify", "operator", _owner),
        ("accounts/count", "company", _accounts),
    ):
        app.router.add_post(f"{prefix}/{path}", _partner_endpoint(kind, operation))
        app.router.add_post(f"{prefix}/{path}/batch", _batch_endpoint(kind, operation))
    app.router.add_post(f"{prefix}/ping", _partner_endpoint("any", _ping))
    app.router.add_post(f"{prefix}/reports", _partner_endpoint("operator", _report))


def _report(request: web.Request, partner: str, body: dict[str, Any]) -> Answer:
    return receive_report(request.app[STATE], partner, body)
