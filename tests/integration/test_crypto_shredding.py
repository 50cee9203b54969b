"""A leaked append-only file is useless once the forms in it have expired: the keys that sealed
them were never written to it, and they are forgotten with the forms (adapters/epoch_sealing.py).

A real redis-server with AOF on, written at every command (appendfsync always), so what the
file holds is what a thief would get.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from adapters.epoch_sealing import EpochKeys, EpochSealer
from adapters.redis import connect, keys
from adapters.sealing import AesGcmSealer
from app.ports.runtime import Unsealable
from app.runtime.embedded_redis import free_port, start_redis
from tests.processes import stop

FORM = b'{"service": "phone_cards", "phone": "13800138000", "id_number": "11010519491231002X"}'


class Clock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[tuple[redis.Redis, Path]]:
    port = free_port()
    process = start_redis(port, tmp_path / "state", persistent=True)
    client = connect(f"redis://127.0.0.1:{port}/0", 2.0)
    client.config_set("appendfsync", "always")
    yield client, tmp_path / "state"
    stop(process)


@pytest.fixture
def keystore(tmp_path: Path) -> Iterator[redis.Redis]:
    """The memory-only Redis of KEYSTORE_REDIS_URL, as `make run` starts it."""
    port = free_port()
    process = start_redis(port, tmp_path / "keystore", persistent=False)
    yield connect(f"redis://127.0.0.1:{port}/0", 2.0)
    stop(process)


def on_disk(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file())


def store_forms(client: redis.Redis, sealer: object, count: int = 3) -> list[bytes]:
    sealed = []
    for n in range(count):
        ticket = f"ticket-{n}"
        form = sealer.seal(FORM, ticket.encode())  # type: ignore[attr-defined]
        client.set(keys.sealed_form(ticket), form, ex=3600)
        sealed.append(form)
    return sealed


def rewrite(client: redis.Redis) -> None:
    client.bgrewriteaof()
    deadline = time.monotonic() + 10
    while client.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
        time.sleep(0.05)
    client.set("yzt:after-rewrite", "1")


def test_the_aof_holds_the_forms_but_never_their_key(persistent_redis, keystore):
    client, directory = persistent_redis
    epoch_keys = EpochKeys(keystore, Clock(), keep_s=3600)
    sealed = store_forms(client, EpochSealer(epoch_keys))
    epoch = int(Clock().now() // epoch_keys.epoch_s)
    key = keystore.get(keys.seal_key(epoch))
    assert key is not None and len(key) == 32  # it lives in the key store's memory...
    rewrite(client)
    disk = on_disk(directory)
    assert all(form in disk for form in sealed)  # the thief has the forms
    assert key not in disk  # ...but not the key: not in the file, nor in a rewrite of it
    # Once the key is gone (its TTL: the forms' own), nobody opens what the file holds.
    keystore.delete(keys.seal_key(epoch))
    forgetful = EpochSealer(EpochKeys(keystore, Clock(), keep_s=3600))
    for n, form in enumerate(sealed):
        with pytest.raises(Unsealable):
            forgetful.open(form, f"ticket-{n}".encode())


def test_on_one_redis_the_key_is_written_without_replication(persistent_redis):
    """Without a key store the keys share the state's Redis: they never enter the AOF's
    stream of writes (nor a replica), but a rewrite dumps memory, key included (docs/design.md)."""
    client, directory = persistent_redis
    epoch_keys = EpochKeys(client, Clock(), keep_s=3600)
    sealed = store_forms(client, EpochSealer(epoch_keys))
    key = client.get(keys.seal_key(int(Clock().now() // epoch_keys.epoch_s)))
    disk = on_disk(directory)
    assert key is not None and key not in disk
    assert all(form in disk for form in sealed)


def test_a_form_sealed_from_the_secret_key_stays_readable_in_the_aof(persistent_redis):
    """What the epoch keys replace: anyone with the AOF and SECRET_KEY reads every form."""
    client, directory = persistent_redis
    secret = b"the-secret-key-of-this-deployment"
    sealed = store_forms(client, AesGcmSealer.from_secret(secret))
    disk = on_disk(directory)
    thief = AesGcmSealer.from_secret(secret)
    assert all(form in disk for form in sealed)
    assert thief.open(sealed[0], b"ticket-0") == FORM


def test_the_key_outlives_the_forms_of_its_epoch_and_no_more(persistent_redis):
    client, _ = persistent_redis
    epoch_keys = EpochKeys(client, Clock(), keep_s=3600)
    EpochSealer(epoch_keys).seal(FORM, b"t")
    epoch = int(Clock().now() // epoch_keys.epoch_s)
    ttl = client.ttl(keys.seal_key(epoch))
    end_of_epoch = (epoch + 1) * epoch_keys.epoch_s - Clock().now()
    assert 3600 < ttl <= end_of_epoch + 3600 + 1


def test_processes_share_the_epoch_key_through_memory(persistent_redis):
    client, _ = persistent_redis
    api, worker = (EpochSealer(EpochKeys(client, Clock(), keep_s=3600)) for _ in range(2))
    assert worker.open(api.seal(FORM, b"t-1"), b"t-1") == FORM
    with pytest.raises(Unsealable):  # bound to its ticket
        worker.open(api.seal(FORM, b"t-1"), b"t-2")
