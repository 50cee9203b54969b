"""The two cloud SMS signatures, recomputed from the request as received.

- Alibaba Cloud ACS3-HMAC-SHA256 (alibabacloud-tea-openapi): the canonical request is the
  method, the path, the sorted query (values percent-encoded, `~` kept), every header named in
  SignedHeaders and the SHA-256 of the body; its SHA-256 is signed with HMAC-SHA256 under the
  AccessKey secret.
- Tencent Cloud TC3-HMAC-SHA256 (tencentcloud-sdk-python-common): the canonical request covers
  the method, the path, content-type, host and the SHA-256 of the body; the key is derived as
  HMAC("TC3" + SecretKey, date) -> service -> "tc3_request".

Each verifier returns None when the signature holds, or the provider's error code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote

_ACS3_RE = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<key>[^,]+),SignedHeaders=(?P<signed>[^,]+),"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_TC3_RE = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>\w+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_query(raw_query: str) -> str:
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{k}={quote(v, safe='~', encoding='utf-8')}" for k, v in pairs)


def check_acs3(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets_by_key: Mapping[str, str],
) -> str | None:
    match = _ACS3_RE.match(headers.get("Authorization", ""))
    if match is None:
        return "IncompleteSignature"
    secret = secrets_by_key.get(match["key"])
    if secret is None:
        return "InvalidAccessKeyId.NotFound"
    if headers.get("x-acs-content-sha256") != _sha256(body):
        return "SignatureDoesNotMatch"
    signed = match["signed"].split(";")
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            path,
            canonical_query(raw_query),
            canonical_headers,
            match["signed"],
            _sha256(body),
        ]
    )
    string_to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
    expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, match["signature"]) else "SignatureDoesNotMatch"


def check_tc3(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets_by_id: Mapping[str, str],
) -> str | None:
    match = _TC3_RE.match(headers.get("Authorization", ""))
    if match is None or match["signed"] != "content-type;host":
        return "AuthFailure.InvalidAuthorization"
    secret = secrets_by_id.get(match["key"])
    if secret is None:
        return "AuthFailure.SecretIdNotFound"
    canonical_headers = (
        f"content-type:{headers.get('Content-Type', '')}\nhost:{headers.get('Host', '')}\n"
    )
    canonical = "\n".join([method, path, "", canonical_headers, match["signed"], _sha256(body)])
    scope = f"{match['date']}/{match['service']}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", headers.get("X-TC-Timestamp", ""), scope, _sha256(canonical.encode())]
    )
    key = _hmac(
        _hmac(_hmac(f"TC3{secret}".encode(), match["date"]), match["service"]), "tc3_request"
    )
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        None
        if hmac.compare_digest(expected, match["signature"])
        else "AuthFailure.SignatureFailure"
    )
