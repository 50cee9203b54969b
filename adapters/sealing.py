"""The Sealer port: AES-256-GCM with a key id in front, so keys can rotate.

Layout: key id (1 byte) | nonce (12 bytes) | ciphertext+tag. The ticket id is the associated
data, so a sealed form cannot be moved to another ticket.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.domain.hashing import derive_key
from app.ports.runtime import Unsealable


class SealError(Unsealable):
    pass


class AesGcmSealer:
    def __init__(self, keys: Mapping[int, bytes], current: int) -> None:
        if current not in keys:
            raise ValueError("the current key id has no key")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = current

    @classmethod
    def from_secret(cls, secret: bytes, rotation: str = "") -> AesGcmSealer:
        """Key 1 comes from SECRET_KEY. `rotation` ("3:secret,2:older", newest first) adds keys:
        the first seals, all open. Sealed forms live an hour, so a retired key can go after one.
        """
        keys = {1: derive_key(secret, "seal/1")}
        current = 1
        for position, item in enumerate(filter(None, rotation.split(","))):
            kid, _, key_secret = item.partition(":")
            if not (kid.strip().isdigit() and 1 <= int(kid) <= 255 and key_secret.strip()):
                raise ValueError("FORM_SEAL_KEYS must look like '2:secret,1:older-secret'")
            keys[int(kid)] = derive_key(key_secret.strip().encode(), f"seal/{int(kid)}")
            current = int(kid) if position == 0 else current
        return cls(keys, current)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        sealed = self._ciphers[self._current].encrypt(nonce, plaintext, context)
        return bytes([self._current]) + nonce + sealed

    def open(self, sealed: bytes, context: bytes) -> bytes:
        cipher = self._ciphers.get(sealed[0]) if len(sealed) >= 1 + 12 + 16 else None
        if cipher is None:
            raise SealError("unknown key id, or truncated")
        try:
            return cipher.decrypt(sealed[1:13], sealed[13:], context)
        except InvalidTag:
            raise SealError("sealed form does not authenticate") from None
