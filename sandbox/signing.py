"""Checks a partner-protocol request as a partner would (docs/partner-protocol.md)."""

from __future__ import annotations

import time

from aiohttp import web

from adapters import partner_signing
from sandbox.common import STATE, json_response

KEY_ID = "yzt"


def _refuse(reason: str) -> web.Response:
    return json_response({"error": reason}, status=401)


async def check_signed(request: web.Request, scope: str, secret: bytes) -> bytes | web.Response:
    """The verified body, or the 401 to answer. `scope` keeps each partner's nonces apart."""
    body = await request.read()
    key_id = request.headers.get(partner_signing.HEADER_KEY_ID)
    if not key_id:
        return _refuse("missing_headers")
    now = time.time()
    # The path as sent, without the query string: what the client signed.
    verdict = partner_signing.verify(
        secret, request.method, request.rel_url.raw_path, request.headers, body, now=now
    )
    if not verdict.ok:
        return _refuse(verdict.reason)
    if key_id != KEY_ID:
        return _refuse("bad_signature")  # a key we do not hold cannot have signed this
    nonce = request.headers[partner_signing.HEADER_NONCE]
    if not request.app[STATE].remember_nonce(scope, nonce, partner_signing.REPLAY_WINDOW_S, now):
        return _refuse("replayed")
    return body
