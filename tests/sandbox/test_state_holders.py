"""The sandbox's phone index: owner checks see the same holders as a scan of every person."""

from __future__ import annotations

from sandbox.state import Card, Person, SandboxState


def person(id_number: str, *cards: tuple[str, str], status: str = "active") -> Person:
    return Person(id_number, "测试", tuple(Card(op, phone, status) for op, phone in cards))


def ids(state: SandboxState, operator: str, phone: str) -> list[str]:
    return [p.id_number for p, _ in state.holders(operator, phone)]


def test_holders_in_put_order_and_a_re_put_moves_to_the_end() -> None:
    state = SandboxState()
    state.put_person(person("A", ("cmcc", "13800000001"), status="cancelled"))
    state.put_person(person("B", ("cmcc", "13800000001"), ("cucc", "13800000002")))
    assert ids(state, "cmcc", "13800000001") == ["A", "B"]
    assert ids(state, "cucc", "13800000002") == ["B"]
    assert ids(state, "cucc", "13800000001") == []  # right number, other operator
    state.put_person(person("A", ("cmcc", "13800000001"), status="cancelled"))
    assert ids(state, "cmcc", "13800000001") == ["B", "A"]  # the last PUT wins


def test_a_number_is_in_service_under_one_person_at_most() -> None:
    state = SandboxState()
    state.put_person(person("A", ("cmcc", "13800000001")))
    assert state.in_service_elsewhere(person("B", ("ctcc", "13800000001")))
    assert state.in_service_elsewhere(person("B", ("cmcc", "13800000001"), status="suspended"))
    assert not state.in_service_elsewhere(person("B", ("cmcc", "13800000001"), status="cancelled"))
    assert not state.in_service_elsewhere(person("A", ("cmcc", "13800000001")))  # a re-PUT
    state.put_person(person("A", ("cmcc", "13800000001"), status="cancelled"))
    assert not state.in_service_elsewhere(person("B", ("ctcc", "13800000001")))  # recycled


def test_a_re_put_without_the_card_drops_it_and_reset_forgets_everything() -> None:
    state = SandboxState()
    state.put_person(person("A", ("cmcc", "13800000001")))
    state.put_person(person("A", ("ctcc", "13900000009")))
    assert ids(state, "cmcc", "13800000001") == []
    assert ids(state, "ctcc", "13900000009") == ["A"]
    state.reset()
    assert ids(state, "ctcc", "13900000009") == []
