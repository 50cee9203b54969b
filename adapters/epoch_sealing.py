"""Crypto-shredding of sealed forms: each is sealed under a random key of its 10-minute epoch,
and that key exists only in Redis memory until the forms it sealed have expired.

Redis's append-only file keeps every write until a rewrite, so a form sealed under a key derived
from SECRET_KEY stays readable in a leaked AOF for as long as the file lives. Here the key
never reaches the AOF: it is written by a script that turns replication off for its own writes
(`redis.set_repl(redis.REPL_NONE)`), so neither the AOF nor a replica ever sees it. A rewrite
dumps what is in memory, so `make run` keeps these keys in a second, memory-only Redis
(KEYSTORE_REDIS_URL); see docs/design.md. Once a key expires, every copy of the forms it
sealed, on any disk, is noise.

Layout of a sealed form: 0x00 | epoch (4 bytes, big-endian) | nonce (12) | ciphertext+tag. The
leading zero tells it from the SECRET_KEY sealer's layout (key ids 1..255).
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.redis import keys
from adapters.sealing import SealError
from app.ports.runtime import Clock
from app.ports.state import StoreUnavailable

MARKER = 0
EPOCH_S = 600
# Written without replication: the key is in this Redis's memory only. replicate_commands()
# makes Redis 6 replicate the script's effects, not the script (with the key in its arguments);
# Redis 7 always does. The first writer of an epoch wins; everyone reads the winner's key.
PUT_KEY = """
redis.replicate_commands()
redis.set_repl(redis.REPL_NONE)
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
return redis.call('GET', KEYS[1])
"""


@dataclass(frozen=True)
class _Cached:
    cipher: AESGCM
    forget_at: float


class EpochKeys:
    """One random key per epoch, shared by every process through Redis memory, cached here."""

    def __init__(
        self,
        client: redis.Redis,
        clock: Clock,
        keep_s: int,
        epoch_s: int = EPOCH_S,
        name: Callable[[int], str] = keys.seal_key,  # each family of keys has its own names
    ):
        self._redis, self._clock = client, clock
        self.epoch_s, self.keep_s = epoch_s, keep_s
        self._name = name
        self._put = client.register_script(PUT_KEY)
        self._cache: dict[int, _Cached] = {}
        self._lock = threading.Lock()

    def current(self) -> tuple[int, AESGCM]:
        now = self._clock.now()
        epoch = int(now // self.epoch_s)
        cached = self._from_cache(epoch, now)
        if cached is not None:
            return epoch, cached
        # a form sealed at the very end of the epoch lives keep_s more: so does the key, no longer
        ttl = int((epoch + 1) * self.epoch_s + self.keep_s - now) + 1
        try:
            key = self._put(keys=[self._name(epoch)], args=[os.urandom(32), ttl])
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None
        return epoch, self._remember(epoch, bytes(key), now + ttl)

    def of_epoch(self, epoch: int) -> AESGCM | None:
        """The key of a past epoch, or None once it is forgotten (its forms expired with it)."""
        now = self._clock.now()
        cached = self._from_cache(epoch, now)
        if cached is not None:
            return cached
        try:
            name = self._name(epoch)
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(name)
            pipe.pttl(name)
            key, ttl_ms = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None
        if key is None or ttl_ms <= 0:
            return None
        return self._remember(epoch, bytes(key), now + ttl_ms / 1000)

    def _from_cache(self, epoch: int, now: float) -> AESGCM | None:
        with self._lock:
            for old in [e for e, c in self._cache.items() if c.forget_at <= now]:
                del self._cache[old]  # this process forgets it too
            cached = self._cache.get(epoch)
        return cached.cipher if cached else None

    def _remember(self, epoch: int, key: bytes, forget_at: float) -> AESGCM:
        if len(key) != 32:
            raise SealError("epoch key has the wrong size")
        cipher = AESGCM(key)
        with self._lock:
            self._cache[epoch] = _Cached(cipher, forget_at)
        return cipher


class EpochSealer:
    """The Sealer port for forms at rest."""

    def __init__(self, epoch_keys: EpochKeys) -> None:
        self._keys = epoch_keys

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        epoch, cipher = self._keys.current()
        nonce = os.urandom(12)
        header = struct.pack(">BI", MARKER, epoch)
        return header + nonce + cipher.encrypt(nonce, plaintext, header + context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if len(sealed) < 5 + 12 + 16 or sealed[0] != MARKER:
            raise SealError("not a form sealed under an epoch key")
        epoch = struct.unpack(">I", sealed[1:5])[0]
        cipher = self._keys.of_epoch(epoch)
        if cipher is None:
            raise SealError("the epoch key is forgotten: the form expired with it")
        try:
            return cipher.decrypt(sealed[5:17], sealed[17:], sealed[:5] + context)
        except InvalidTag:
            raise SealError("sealed form does not authenticate") from None
