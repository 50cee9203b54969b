"""AES-GCM sealing of the form at rest: round trip, context binding, tampering, key rotation."""

from __future__ import annotations

import json

import pytest

from adapters.sealing import AesGcmSealer, SealError

FORM = json.dumps(
    {"service": "phone_cards", "phone": "13800138000", "id_number": "11010519491231002X"}
).encode()
KEY1 = bytes(range(32))
KEY2 = bytes(range(32, 64))


def test_round_trip() -> None:
    sealer = AesGcmSealer.from_secret(b"x" * 32)
    sealed = sealer.seal(FORM, b"ticket-1")
    assert sealed[0] == 1  # key id in front
    assert b"13800138000" not in sealed
    assert sealer.open(sealed, b"ticket-1") == FORM


def test_same_secret_opens_what_another_instance_sealed() -> None:
    sealed = AesGcmSealer.from_secret(b"x" * 32).seal(FORM, b"t")
    assert AesGcmSealer.from_secret(b"x" * 32).open(sealed, b"t") == FORM
    with pytest.raises(SealError):
        AesGcmSealer.from_secret(b"y" * 32).open(sealed, b"t")


def test_each_seal_uses_a_fresh_nonce() -> None:
    sealer = AesGcmSealer({1: KEY1}, current=1)
    assert sealer.seal(FORM, b"t") != sealer.seal(FORM, b"t")


def test_other_ticket_id_fails() -> None:
    sealer = AesGcmSealer({1: KEY1}, current=1)
    sealed = sealer.seal(FORM, b"ticket-1")
    with pytest.raises(SealError):
        sealer.open(sealed, b"ticket-2")
    with pytest.raises(SealError):
        sealer.open(sealed, b"")


@pytest.mark.parametrize("position", [1, 5, 12, 13, 20, -1])
def test_tampered_byte_fails(position: int) -> None:
    sealer = AesGcmSealer({1: KEY1}, current=1)
    sealed = bytearray(sealer.seal(FORM, b"t"))
    sealed[position] ^= 0x01
    with pytest.raises(SealError):
        sealer.open(bytes(sealed), b"t")


@pytest.mark.parametrize("length", [0, 1, 5, 12, 13, 28])
def test_truncated_data_fails_with_seal_error(length: int) -> None:
    sealer = AesGcmSealer({1: KEY1}, current=1)
    sealed = sealer.seal(FORM, b"t")
    with pytest.raises(SealError):
        sealer.open(sealed[:length], b"t")


def test_key_rotation() -> None:
    old = AesGcmSealer({1: KEY1}, current=1)
    sealed_with_1 = old.seal(FORM, b"t")
    rotated = AesGcmSealer({1: KEY1, 2: KEY2}, current=2)
    assert rotated.open(sealed_with_1, b"t") == FORM
    sealed_with_2 = rotated.seal(FORM, b"t")
    assert sealed_with_2[0] == 2
    assert rotated.open(sealed_with_2, b"t") == FORM
    with pytest.raises(SealError):  # the old sealer does not know key 2
        old.open(sealed_with_2, b"t")


def test_unknown_key_id_fails() -> None:
    sealed = AesGcmSealer({7: KEY2}, current=7).seal(FORM, b"t")
    with pytest.raises(SealError, match="unknown key id"):
        AesGcmSealer({1: KEY1, 2: KEY2}, current=1).open(sealed, b"t")


def test_key_id_swapped_to_another_known_key_fails() -> None:
    sealer = AesGcmSealer({1: KEY1, 2: KEY2}, current=1)
    sealed = bytearray(sealer.seal(FORM, b"t"))
    sealed[0] = 2
    with pytest.raises(SealError):
        sealer.open(bytes(sealed), b"t")


def test_current_key_must_exist() -> None:
    with pytest.raises(ValueError):
        AesGcmSealer({1: KEY1}, current=2)


def test_rotation_from_configuration_seals_with_the_newest_and_opens_the_older() -> None:
    secret = b"s" * 32
    before = AesGcmSealer.from_secret(secret)
    sealed_before = before.seal(b"form", b"ticket")
    after = AesGcmSealer.from_secret(secret, "2:new-secret-value")
    sealed_after = after.seal(b"form", b"ticket")
    assert sealed_before[0] == 1 and sealed_after[0] == 2
    assert after.open(sealed_before, b"ticket") == b"form"
    assert after.open(sealed_after, b"ticket") == b"form"
    with pytest.raises(SealError):
        before.open(sealed_after, b"ticket")  # a process that has not got the new key yet


@pytest.mark.parametrize("spec", ["x:secret", "2:", "0:secret", "300:secret"])
def test_malformed_rotation_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        AesGcmSealer.from_secret(b"s" * 32, spec)
