"""Circuit breakers in the fan-out: open after 5 failed calls, skip, half-open probe, close."""

from __future__ import annotations

from app.domain.breakers import (
    CLEAN,
    Admission,
    BreakerPolicy,
    BreakerRecord,
    BreakerState,
    worth_writing,
)
from app.domain.outcomes import CardsAnswer
from tests.fakes.outside import DOWN, FakePartners
from tests.support import make_id, make_phone
from tests.unit.world import World, all_cards, cards_form, make_world


def cards_world() -> World:
    return make_world(
        partners=FakePartners(cards=all_cards(cucc=DOWN)), code_limit_per_user_day=1000
    )


def query(world: World) -> None:
    # another person each time: the phone and ID quotas are not what this is about
    world.run(world.accepted(cards_form(id_number=make_id(), phone=make_phone())))


def cucc_calls(world: World) -> int:
    return sum(1 for kind, partner in world.partners.calls if partner == "cucc")


def test_breaker_opens_after_five_failed_calls_and_sheds_the_partner() -> None:
    world = cards_world()
    for _ in range(5):
        query(world)
    assert cucc_calls(world) == 5
    states = world.store.breaker_states(["cucc", "cmcc"], world.clock.now())
    assert states == {"cucc": "open", "cmcc": "closed"}
    query(world)  # within the cool-down: not called, reported unavailable
    assert cucc_calls(world) == 5
    assert world.results()[-1].template == "phone_cards_partial"
    assert world.results()[-1].params["cucc"] == "-"


def test_half_open_lets_one_probe_through_and_success_closes() -> None:
    world = cards_world()
    for _ in range(5):
        query(world)
    world.clock.advance(31)
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "half_open"}
    world.partners.cards["cucc"] = CardsAnswer(0, "none")
    query(world)
    assert cucc_calls(world) == 6
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "closed"}
    assert world.results()[-1].template == "phone_cards_result"


def test_a_failed_probe_opens_the_breaker_again() -> None:
    world = cards_world()
    for _ in range(5):
        query(world)
    world.clock.advance(31)
    query(world)  # the probe fails
    assert cucc_calls(world) == 6
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "open"}


def test_one_success_resets_the_count() -> None:
    world = cards_world()
    for _ in range(4):
        query(world)
    world.partners.cards["cucc"] = CardsAnswer(0, "none")
    query(world)
    world.partners.cards["cucc"] = DOWN
    for _ in range(4):
        query(world)
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "closed"}


def test_only_calls_that_change_a_breaker_are_written_back() -> None:
    read = {
        "cmcc": BreakerRecord(),
        "cucc": BreakerRecord(fails=2),
        "ctcc": BreakerRecord(fails=5, opened_at=1.0),
        "cbn": BreakerRecord(),
    }
    results = {"cmcc": True, "cucc": True, "ctcc": True, "cbn": False}
    # a clean success writes nothing; a success that resets or closes, and every failure, do
    assert worth_writing(results, read) == {"cucc": True, "ctcc": True, "cbn": False}
    assert worth_writing({"cmcc": True}, read) == {}


# --- the policy itself, with other numbers than the defaults ------------------------------


POLICY = BreakerPolicy(threshold=2, cooldown_s=10)


def test_the_policy_opens_at_its_threshold_and_half_opens_after_its_cooldown() -> None:
    record = POLICY.after_call(BreakerRecord(), ok=False, now=100)
    assert record == BreakerRecord(1, None) and POLICY.state(record, 100) is BreakerState.CLOSED
    record = POLICY.after_call(record, ok=False, now=101)
    assert record == BreakerRecord(2, 101)
    assert POLICY.admission(record, 110.9) is Admission.SKIP
    assert POLICY.admission(record, 111) is Admission.PROBE
    assert POLICY.after_call(record, ok=True, now=111) == CLEAN
    reopened = POLICY.after_call(record, ok=False, now=111)
    assert POLICY.state(reopened, 120) is BreakerState.OPEN  # a failed probe: open from now


def test_the_world_applies_the_threshold_it_is_given() -> None:
    world = make_world(
        partners=FakePartners(cards=all_cards(cucc=DOWN)),
        code_limit_per_user_day=1000,
        breaker_threshold=2,
        breaker_cooldown_s=10,
    )
    for _ in range(2):
        query(world)
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "open"}
    query(world)
    assert cucc_calls(world) == 2  # shed at 2 failures, not 5
    world.clock.advance(10)
    assert world.store.breaker_states(["cucc"], world.clock.now()) == {"cucc": "half_open"}
