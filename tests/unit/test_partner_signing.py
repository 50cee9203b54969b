"""Known-answer vectors for the partner protocol's signature (docs/partner-protocol.md).

The expected signatures are literals: they were computed once with hashlib/hmac from the
documented string-to-sign (`_documented_signature` below shows how), so any change of the
algorithm in adapters/partner_signing.py breaks these tests.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from adapters.partner_signing import (
    HEADER_KEY_ID,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    REPLAY_WINDOW_S,
    sign,
    signed_headers,
    string_to_sign,
    verify,
)

CARDS_BODY = '{"id_number": "11010519491231002X", "name": "张三", "phone": "13800138000"}'.encode()
COUNT_BODY = b'{"phone":"13800138000","products":["wechat","qq"]}'

# (secret, method, path, timestamp, nonce, body, body sha256, signature)
VECTORS = [
    (
        b"sandbox-secret-cmcc",
        "POST",
        "/partners/cmcc/v1/cards/query",
        "1764400000",
        "0123456789abcdef0123456789abcdef",
        CARDS_BODY,
        "12386327628064b3af4142a585ba644677b2598d2367ae075337b12e4ae4dfb4",
        "bcc620cc180cb937fcb48bd013aa080b26bbe8c102a046078154c0b242e7db2d",
    ),
    (
        b"sandbox-secret-tencent",
        "POST",
        "/partners/tencent/v1/accounts/count",
        "1764400123",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        COUNT_BODY,
        "31f5653002e15f5371345af0eec4f2d7da22cac8fdcf4fa6a39ddf5a0b09c26f",
        "fd3266e8bc9031d1f2f4b6402a30fbd34e8493102a7d1d4c478fc52a34684f74",
    ),
    (
        b"k",
        "POST",
        "/v1/owner/verify",
        "1700000000",
        "nonce123",
        b"",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "fddc64b76c3afda54fdf520ad72df168890fb4c293b111a4306596349ee7300e",
    ),
]


def _documented_signature(
    secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    """The documented algorithm, written out independently of the adapter."""
    lines = [method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()]
    return hmac.new(secret, "\n".join(lines).encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("vector", VECTORS, ids=["cards", "count", "empty-body"])
def test_known_answer(vector: tuple[bytes, str, str, str, str, bytes, str, str]) -> None:
    secret, method, path, timestamp, nonce, body, body_hash, expected = vector
    assert hashlib.sha256(body).hexdigest() == body_hash
    # the literal is what the documented algorithm gives ...
    assert _documented_signature(secret, method, path, timestamp, nonce, body) == expected
    # ... and what the adapter computes
    assert sign(secret, method, path, timestamp, nonce, body) == expected


def test_string_to_sign_layout() -> None:
    _, method, path, timestamp, nonce, body, body_hash, _ = VECTORS[0]
    assert string_to_sign(method, path, timestamp, nonce, body) == (
        b"POST\n/partners/cmcc/v1/cards/query\n1764400000\n"
        b"0123456789abcdef0123456789abcdef\n" + body_hash.encode()
    )
    assert not string_to_sign(method, path, timestamp, nonce, body).endswith(b"\n")
    assert string_to_sign("post", path, timestamp, nonce, body).startswith(b"POST\n")


def test_signature_is_lowercase_hex() -> None:
    signature = sign(b"k", "POST", "/p", "1", "nonce123", b"{}")
    assert len(signature) == 64 and signature == signature.lower()
    int(signature, 16)


def _headers_for(vector: tuple[bytes, str, str, str, str, bytes, str, str]) -> dict[str, str]:
    _, _, _, timestamp, nonce, _, _, signature = vector
    return {
        HEADER_KEY_ID: "yzt",
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }


@pytest.mark.parametrize("vector", VECTORS, ids=["cards", "count", "empty-body"])
def test_verify_accepts_the_vectors(
    vector: tuple[bytes, str, str, str, str, bytes, str, str],
) -> None:
    secret, method, path, timestamp, _, body, _, _ = vector
    verdict = verify(secret, method, path, _headers_for(vector), body, now=int(timestamp) + 10)
    assert verdict.ok and verdict.reason == ""


def test_verify_accepts_uppercase_hex() -> None:
    secret, method, path, timestamp, _, body, _, signature = VECTORS[0]
    headers = {**_headers_for(VECTORS[0]), HEADER_SIGNATURE: signature.upper()}
    assert verify(secret, method, path, headers, body, now=int(timestamp)).ok


@pytest.mark.parametrize(
    "change",
    ["secret", "path", "body", "nonce", "method", "signature"],
)
def test_verify_rejects_bad_signature(change: str) -> None:
    secret, method, path, timestamp, _, body, _, signature = VECTORS[0]
    headers = _headers_for(VECTORS[0])
    if change == "secret":
        secret = b"sandbox-secret-cucc"
    elif change == "path":
        path = "/partners/cucc/v1/cards/query"
    elif change == "body":
        body = body.replace(b"13800138000", b"13800138001")
    elif change == "nonce":
        headers[HEADER_NONCE] = "0123456789abcdef0123456789abcdee"
    elif change == "method":
        method = "PUT"
    else:
        headers[HEADER_SIGNATURE] = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    verdict = verify(secret, method, path, headers, body, now=int(timestamp))
    assert verdict == verdict.__class__(False, "bad_signature")


@pytest.mark.parametrize("offset", [REPLAY_WINDOW_S + 1, -(REPLAY_WINDOW_S + 1), 86400, -86400])
def test_verify_rejects_stale_timestamp(offset: int) -> None:
    secret, method, path, timestamp, _, body, _, _ = VECTORS[0]
    verdict = verify(
        secret, method, path, _headers_for(VECTORS[0]), body, now=int(timestamp) + offset
    )
    assert not verdict.ok and verdict.reason == "stale_timestamp"


@pytest.mark.parametrize("offset", [REPLAY_WINDOW_S, -REPLAY_WINDOW_S, 0])
def test_verify_accepts_edge_of_window(offset: int) -> None:
    secret, method, path, timestamp, _, body, _, _ = VECTORS[0]
    verdict = verify(
        secret, method, path, _headers_for(VECTORS[0]), body, now=int(timestamp) + offset
    )
    assert verdict.ok


@pytest.mark.parametrize(
    "headers_change",
    [
        {HEADER_TIMESTAMP: None},
        {HEADER_NONCE: None},
        {HEADER_SIGNATURE: None},
        {HEADER_TIMESTAMP: "17644e5"},
        {HEADER_TIMESTAMP: ""},
        {HEADER_NONCE: "short"},
        {HEADER_NONCE: "n" * 65},
        {HEADER_SIGNATURE: ""},
    ],
)
def test_verify_rejects_missing_headers(headers_change: dict[str, str | None]) -> None:
    secret, method, path, timestamp, _, body, _, _ = VECTORS[0]
    headers: dict[str, str] = {}
    for key, value in {**_headers_for(VECTORS[0]), **headers_change}.items():
        if value is not None:
            headers[key] = value
    verdict = verify(secret, method, path, headers, body, now=int(timestamp))
    assert not verdict.ok and verdict.reason == "missing_headers"


def test_signed_headers_round_trip() -> None:
    secret, body = b"sandbox-secret-jd", b'{"phone":"13800138000","products":["jd"]}'
    headers = signed_headers("yzt", secret, "POST", "/partners/jd/v1/accounts/count", body, now=1e9)
    assert headers[HEADER_KEY_ID] == "yzt"
    assert headers[HEADER_TIMESTAMP] == "1000000000"
    assert len(headers[HEADER_NONCE]) == 32
    expected = _documented_signature(
        secret,
        "POST",
        "/partners/jd/v1/accounts/count",
        "1000000000",
        headers[HEADER_NONCE],
        body,
    )
    assert headers[HEADER_SIGNATURE] == expected
    assert verify(secret, "POST", "/partners/jd/v1/accounts/count", headers, body, now=1e9 + 5).ok
    other = signed_headers("yzt", secret, "POST", "/partners/jd/v1/accounts/count", body, now=1e9)
    assert other[HEADER_NONCE] != headers[HEADER_NONCE]
