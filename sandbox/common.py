"""Shared pieces of the handlers: app keys, JSON answers, latency and fault injection."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
from functools import partial
from typing import Any

from aiohttp import web

from sandbox.catalog import Catalog
from sandbox.keys import SandboxKeys
from sandbox.settings import SandboxSettings
from sandbox.state import SandboxState, Traffic

SETTINGS = web.AppKey("settings", SandboxSettings)
STATE = web.AppKey("state", SandboxState)
CATALOG = web.AppKey("catalog", Catalog)
KEYS = web.AppKey("keys", SandboxKeys)
CLOSING = web.AppKey("closing", asyncio.Event)

# The host a request reached (set by handlers that build addresses on this sandbox): each
# request runs in its own task, so each sees its own.
REQUEST_HOST: contextvars.ContextVar[str] = contextvars.ContextVar("request_host")

TIMEOUT_FAULT_S = 60.0
_POLL_S = 0.25

_dumps = partial(json.dumps, ensure_ascii=False)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def no_content() -> web.Response:
    return web.Response(status=204)


def parse_object(raw: bytes) -> dict[str, Any] | None:
    """The bytes as a JSON object, or None when they are not one."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


async def read_json_object(request: web.Request) -> dict[str, Any] | None:
    return parse_object(await request.read())


async def emulate_partner(
    request: web.Request, partner: str, queries: int = 1
) -> web.Response | None:
    """Base latency, then the partner's fault. An answer to send instead, or None to go on.
    queries: how many the request carries (a batch's), for the traffic counters."""
    app = request.app
    count_traffic(request, partner, queries)
    await asyncio.sleep(app[SETTINGS].latency_ms / 1000)
    fault = app[STATE].fault(partner)
    if fault.phones:  # a fault of some queries only: the partner's handler applies it
        return None
    if fault.mode == "slow":
        await asyncio.sleep(fault.latency_ms / 1000)
    elif fault.mode == "error" or (fault.mode == "flapping" and app[STATE].flaps(partner)):
        return json_response({"error": "injected"}, status=500)
    elif fault.mode == "timeout":
        await _hang(request)
        return json_response({"error": "injected"}, status=504)
    elif fault.mode == "limit":
        return json_response({"code": "rate_limited"}, status=429)
    return None


def count_traffic(request: web.Request, partner: str, queries: int = 1) -> None:
    """One request (and its queries) on its client connection: GET /_sandbox/traffic. The
    operators and companies count as partners/<id> (the company alipay is not the platform)."""
    if "partner" in request.match_info:
        partner = f"partners/{request.match_info['partner']}"
    traffic = request.app[STATE].traffic.setdefault(partner, Traffic())
    traffic.requests += 1
    traffic.queries += queries
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peer, tuple):
        traffic.connections.add((str(peer[0]), int(peer[1])))


async def _hang(request: web.Request) -> None:
    """Wait out the timeout, but stop once the client is gone or the sandbox shuts down.

    Polling (rather than relying on handler cancellation) keeps a dropped connection from
    pinning a task for a minute and keeps shutdown fast.
    """
    closing = request.app[CLOSING]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT_FAULT_S
    while loop.time() < deadline and not closing.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing.wait(), _POLL_S)
