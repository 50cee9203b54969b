"""A code belongs to the platform user who asked for it; submits are rate-limited per user."""

from __future__ import annotations

import pytest

from app.domain.errors import CodeExpired, CodeMismatch, QuotaExceeded, TooManyRequests
from tests.unit.world import ALICE, BOB, World, cards_form, make_world


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_another_users_guesses_spend_nothing_and_learn_nothing(world: World) -> None:
    world.request(cards_form(), ALICE)
    code = world.sms.last_code()
    for _ in range(5):  # more than the 3 attempts the code has
        with pytest.raises(CodeExpired) as guess:
            world.submit(cards_form(), wrong(code), BOB)
        assert not hasattr(guess.value, "attempts_left")
    with pytest.raises(CodeExpired):  # even the right code: it is not Bob's
        world.submit(cards_form(), code, BOB)
    # Alice's code is untouched: all of its attempts are left, and it still works.
    with pytest.raises(CodeMismatch) as info:
        world.submit(cards_form(), wrong(code), ALICE)
    assert info.value.attempts_left == 2
    assert world.submit(cards_form(), code, ALICE).status == "accepted"


def test_a_live_code_and_no_code_look_the_same_to_another_user(world: World) -> None:
    with pytest.raises(CodeExpired) as nothing:
        world.submit(cards_form(), "123456", BOB)
    world.request(cards_form(), ALICE)
    with pytest.raises(CodeExpired) as live:
        world.submit(cards_form(), "123456", BOB)
    assert (live.value.code, live.value.message) == (nothing.value.code, nothing.value.message)


def test_the_victim_is_not_locked_out_by_someone_elses_guesses(world: World) -> None:
    world.request(cards_form(), ALICE)
    for _ in range(3):
        with pytest.raises(CodeExpired):
            world.submit(cards_form(), "000000", BOB)
    assert world.submit(cards_form(), world.sms.last_code(), ALICE).status == "accepted"
    with pytest.raises(QuotaExceeded):  # and nobody else got a code for that phone meanwhile
        world.request(cards_form(), BOB)


def test_submits_are_limited_per_user() -> None:
    world = make_world(query_limit_per_user_hour=4)
    for _ in range(4):
        with pytest.raises(CodeExpired):
            world.submit(cards_form(), "123456", BOB)
    with pytest.raises(TooManyRequests) as info:
        world.submit(cards_form(), "123456", BOB)
    assert 0 < info.value.retry_after <= 3600
    world.request(cards_form(), ALICE)  # another user is not affected
    assert world.submit(cards_form(), world.sms.last_code(), ALICE).status == "accepted"
    world.clock.advance(3600)
    with pytest.raises(CodeExpired):
        world.submit(cards_form(), "123456", BOB)
