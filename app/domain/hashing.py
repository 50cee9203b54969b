"""Keyed hashes: the only form in which identifiers reach Redis keys, audit and logs."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: bytes, purpose: str) -> bytes:
    """One independent sub-key per purpose from the server secret (HMAC-SHA256 as a KDF)."""
    return hmac.new(secret, f"yzt/{purpose}".encode(), hashlib.sha256).digest()


class KeyedHasher:
    def __init__(self, secret: bytes) -> None:
        self._id_key = derive_key(secret, "identifier")
        self._code_key = derive_key(secret, "code")

    def identifier(self, kind: str, value: str) -> str:
        """A stable, non-reversible handle for a phone, an ID, a user or an IP (96 bits)."""
        digest = hmac.new(self._id_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    def code_digest(self, code: str, binding: str) -> str:
        """The code bound to the whole form: a different form never matches."""
        return hmac.new(self._code_key, f"{code}|{binding}".encode(), hashlib.sha256).hexdigest()
