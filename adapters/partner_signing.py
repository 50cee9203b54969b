"""The partner protocol's request signature (docs/partner-protocol.md).

Shared by our partner client and the sandbox, which checks requests exactly as a
partner would. Known-answer vectors in tests/unit/test_partner_signing.py pin it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.ports.partners import CallCheck

HEADER_KEY_ID = "X-YZT-Key-Id"
HEADER_TIMESTAMP = "X-YZT-Timestamp"
HEADER_NONCE = "X-YZT-Nonce"
HEADER_SIGNATURE = "X-YZT-Signature"
REPLAY_WINDOW_S = 300


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash]).encode()


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_headers(
    key_id: str, secret: bytes, method: str, path: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path, timestamp, nonce, body),
        "Content-Type": "application/json; charset=utf-8",
    }


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # bad_signature | stale_timestamp | missing_headers | replayed


def verify(
    secret: bytes,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> Verdict:
    """Check signature and timestamp window. Nonce replay is the caller's (it needs state)."""
    timestamp = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    signature = headers.get(HEADER_SIGNATURE, "")
    if not (timestamp.isdigit() and 8 <= len(nonce) <= 64 and signature):
        return Verdict(False, "missing_headers")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > REPLAY_WINDOW_S:
        return Verdict(False, "stale_timestamp")
    expected = sign(secret, method, path, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature.lower()):
        return Verdict(False, "bad_signature")
    return Verdict(True)


class PartnerCallChecker:
    """The SignedCalls port: calls a partner makes to us (an operator's answer to a report),
    signed with the key we share with it, its id as the key id; the nonce is the caller's."""

    replay_window_s = REPLAY_WINDOW_S

    def __init__(self, secret_of: Callable[[str], bytes | None]) -> None:
        self._secret_of = secret_of  # None: no such partner

    def check(self, path: str, headers: Mapping[str, str], body: bytes, now: float) -> CallCheck:
        partner = headers.get(HEADER_KEY_ID, "")
        if not partner:
            return CallCheck("missing_headers")
        secret = self._secret_of(partner)
        if secret is None:
            return CallCheck("bad_signature")  # a key we do not share cannot have signed it
        verdict = verify(secret, "POST", path, headers, body, now=now)
        if not verdict.ok:
            return CallCheck(verdict.reason)
        nonce, timestamp = headers[HEADER_NONCE], int(headers[HEADER_TIMESTAMP])
        if not (nonce.isascii() and nonce.isalnum()):  # it becomes part of a Redis key
            return CallCheck("missing_headers")
        return CallCheck("", partner, nonce, timestamp)
