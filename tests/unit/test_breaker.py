"""Circuit breakers in the fan-out: open after 5 failed calls, skip, half-open probe, close."""

from __future__ import annotations

from app.domain.outcomes import CardsAnswer
from tests.fakes import DOWN, FakePartners
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
    from app.ports import Breaker, breaker_changes

    read = {
        "cmcc": Breaker(),
        "cucc": Breaker("closed", 2),
        "ctcc": Breaker("half_open", 5),
        "cbn": Breaker(),
    }
    results = {"cmcc": True, "cucc": True, "ctcc": True, "cbn": False}
    # a clean success writes nothing; a success that resets or closes, and every failure, do
    assert breaker_changes(results, read) == {"cucc": True, "ctcc": True, "cbn": False}
    assert breaker_changes({"cmcc": True}, read) == {}
