"""The /_sandbox control API (api.md, "Sandbox"): set up people, accounts and faults; read
what was sent. No latency and no faults here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.catalog import Catalog
from sandbox.common import CATALOG, STATE, json_response, no_content, read_json_object
from sandbox.state import CARD_STATUSES, FAULT_MODES, SMS_FAULT_MODES, Card, Fault, Person


def _bad(detail: str) -> web.Response:
    # detail names the wrong field, never its value (values may be personal data)
    return json_response({"error": "bad_request", "detail": detail}, status=400)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_person(id_number: str, body: dict[str, Any], catalog: Catalog) -> Person | str:
    """The person, or what is wrong with the body."""
    name, cards = body.get("name"), body.get("cards", [])
    if not isinstance(name, str) or not name:
        return "name must be a non-empty string"
    if not isinstance(cards, list):
        return "cards must be a list"
    parsed: list[Card] = []
    for card in cards:
        if not isinstance(card, dict):
            return "each card must be an object"
        operator, phone, status = card.get("operator"), card.get("phone"), card.get("status")
        if operator not in catalog.operators:
            return "card operator is not a sandbox operator"
        if not isinstance(phone, str) or not phone:
            return "card phone must be a non-empty string"
        if status not in CARD_STATUSES:
            return "card status must be active, suspended or cancelled"
        parsed.append(Card(operator=operator, phone=phone, status=status))
    return Person(id_number=id_number, name=name, cards=tuple(parsed))


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return no_content()


async def put_person(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    if body is None:
        return _bad("body must be a JSON object")
    person = parse_person(request.match_info["id_number"], body, request.app[CATALOG])
    if isinstance(person, str):
        return _bad(person)
    if request.app[STATE].in_service_elsewhere(person):
        detail = "a number is in service under one person only; cancel the other holder's card"
        return json_response({"error": "conflict", "detail": detail}, status=409)
    request.app[STATE].put_person(person)
    return no_content()


async def put_accounts(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    if body is None:
        return _bad("body must be a JSON object")
    if not set(body) <= request.app[CATALOG].products:
        return _bad("unknown product")
    if not all(_is_count(count) for count in body.values()):
        return _bad("counts must be non-negative integers")
    request.app[STATE].accounts[request.match_info["phone"]] = dict(body)
    return no_content()


async def get_sms(request: web.Request) -> web.Response:
    """Every SMS sent, oldest first. `since=N` skips the first N (a poller's cursor: it gets
    `next` back), so polling a long run costs the new messages, not all of them."""
    phone, since = request.query.get("phone"), request.query.get("since", "0")
    if not since.isdigit():
        return _bad("since must be a non-negative integer")
    everything = request.app[STATE].sms
    messages = everything[int(since) :]
    if phone:
        messages = [message for message in messages if message["phone"] == phone]
    return json_response({"messages": messages, "next": len(everything)})


async def get_notices(request: web.Request) -> web.Response:
    user = request.query.get("user")
    notices = request.app[STATE].notices
    if user:
        notices = [notice for notice in notices if notice["user"] == user]
    return json_response({"notices": notices})


async def put_fault(request: web.Request) -> web.Response:
    partner = request.match_info["partner"]
    if partner not in request.app[CATALOG].fault_targets():
        return json_response({"error": "unknown_partner"}, status=404)
    body = await read_json_object(request)
    if body is None:
        return _bad("body must be a JSON object")
    modes = SMS_FAULT_MODES if partner == "sms" else FAULT_MODES
    mode, latency_ms = body.get("mode"), body.get("latency_ms", 0)
    if not isinstance(mode, str) or mode not in modes:
        return _bad("mode must be one of " + ", ".join(modes))
    if not _is_count(latency_ms):
        return _bad("latency_ms must be a non-negative integer")
    phones = body.get("phones", [])
    if not isinstance(phones, list) or not all(isinstance(p, str) and p for p in phones):
        return _bad("phones must be a list of numbers")
    if phones and (mode != "error" or partner not in request.app[CATALOG].partners):
        return _bad("phones go with mode error, on an operator or a company")
    fault = Fault(mode=mode, latency_ms=latency_ms, phones=frozenset(phones))
    request.app[STATE].set_fault(partner, fault)
    return no_content()


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATE].faults.clear()
    return no_content()


async def get_traffic(request: web.Request) -> web.Response:
    """Per emulated partner: requests, queries and client connections since the last reset."""
    traffic = request.app[STATE].traffic
    return json_response({"partners": {name: t.as_json() for name, t in sorted(traffic.items())}})


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_put("/_sandbox/people/{id_number}", put_person)
    app.router.add_put("/_sandbox/phones/{phone}/accounts", put_accounts)
    app.router.add_get("/_sandbox/sms", get_sms)
    app.router.add_get("/_sandbox/notices", get_notices)
    app.router.add_put("/_sandbox/faults/{partner}", put_fault)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_get("/_sandbox/traffic", get_traffic)
    app.router.add_get("/healthz", healthz)
