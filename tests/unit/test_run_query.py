"""The worker's use case over fakes of the ports: the fan-out, the outcome, one result SMS,
the end recorded."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.ports.partners import PartnerRejected, PartnerUnavailable
from tests.fakes.outside import FakePartners, FakeSms, Hang
from tests.unit.registry_data import COMPANIES, OPERATORS
from tests.unit.world import (
    ID,
    NAME,
    PHONE,
    SETTINGS,
    World,
    accounts_form,
    all_cards,
    all_counts,
    all_owners,
    cards_form,
    delivery_module,
    make_world,
)

# --- run_query --------------------------------------------------------------------------------


def test_result_sms_is_sent_once_with_the_ticket_as_key(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    assert world.run(ticket_id) == "delivered"
    [sms] = world.results()
    assert sms.phone == PHONE
    assert sms.template == "phone_cards_result"
    assert sms.idempotency_key == ticket_id
    assert sms.params == {
        "cmcc": "2",
        "cucc": "0",
        "ctcc": "0",
        "cbn": "0",
        "mvno": "0",
        "total": "2",
    }
    [finish] = world.store.finished
    assert finish.status == "delivered" and finish.give_back is False
    assert world.store.get_ticket(ticket_id).status == "delivered"  # type: ignore[union-attr]
    assert world.store.load_form(ticket_id) is None  # the form is purged
    assert world.store.quota_taken(world.phone_h(), "phone_cards")


def test_audit_holds_no_clear_identifier(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    world.run(ticket_id)
    [audit] = world.store.audit
    assert audit["outcome"] == "result" and audit["ticket"] == ticket_id
    assert audit["phone_h"] == world.phone_h()
    text = repr(audit)
    for clear in (PHONE, ID, NAME):
        assert clear not in text
    assert set(OPERATORS) <= set(json.loads(audit["timings_ms"]))


def test_redelivered_task_sends_nothing_more(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    assert world.run(ticket_id) == "delivered"
    calls = len(world.partners.calls)
    assert world.run(ticket_id) is None
    assert len(world.results()) == 1
    assert len(world.store.finished) == 1
    assert len(world.partners.calls) == calls


@pytest.mark.parametrize("idempotent", [False, True])
def test_worker_dying_after_the_sms_still_means_one_sms(idempotent: bool) -> None:
    world = make_world(sms=FakeSms(idempotent=idempotent), crash_once=True)
    ticket_id = world.accepted(cards_form())
    with pytest.raises(ConnectionError):
        world.run(ticket_id)
    assert world.run(ticket_id) == "delivered"  # the task is delivered again (late ack)
    assert len(world.results()) == 1
    assert world.store.finished[-1].status == "delivered"


@pytest.mark.parametrize(
    ("cards", "template", "give_back"),
    [
        (all_cards(), "phone_cards_result", False),
        (all_cards(cucc=PartnerUnavailable()), "phone_cards_partial", True),
        (all_cards(vno1=PartnerRejected()), "phone_cards_partial", True),
        (all_cards(cmcc=CardsAnswer(2, "none")), "mismatch", False),
        (all_cards(cmcc=CardsAnswer(2, "suspended")), "number_inactive", False),
        (all_cards(cmcc=CardsAnswer(0, "cancelled")), "mismatch", False),
        (all_cards(cmcc=CardsAnswer(2, "none"), cbn=PartnerUnavailable()), "unavailable", True),
        ({o: PartnerUnavailable() for o in OPERATORS}, "unavailable", True),
    ],
)
def test_phone_cards_outcomes_and_quota(
    cards: dict[str, Any], template: str, give_back: bool
) -> None:
    world = make_world(partners=FakePartners(cards=cards))
    ticket_id = world.accepted(cards_form())
    assert world.run(ticket_id) == "delivered"
    [sms] = world.results()
    assert sms.template == template and sms.idempotency_key == ticket_id
    [finish] = world.store.finished
    assert finish.give_back is give_back
    assert world.store.quota_taken(world.phone_h(), "phone_cards") is not give_back
    id_h = world.ctx.hasher.identifier("id", ID)
    assert world.store.id_quota_taken(id_h) is not give_back


@pytest.mark.parametrize(
    ("owners", "counts", "template", "give_back"),
    [
        (all_owners(), all_counts(), "internet_accounts_result", False),
        (all_owners(), all_counts(meituan=PartnerUnavailable()), "internet_accounts_partial", True),
        (all_owners(), {c: PartnerUnavailable() for c in COMPANIES}, "unavailable", True),
        (all_owners(cucc=OwnerAnswer("active", False)), all_counts(), "mismatch", False),
        (all_owners(cucc=OwnerAnswer("suspended", True)), all_counts(), "number_inactive", False),
        (all_owners(cucc=PartnerUnavailable()), all_counts(), "unavailable", True),
    ],
)
def test_internet_accounts_outcomes_and_quota(
    owners: dict[str, Any], counts: dict[str, Any], template: str, give_back: bool
) -> None:
    world = make_world(partners=FakePartners(owners=owners, counts=counts))
    ticket_id = world.accepted(accounts_form())
    assert world.run(ticket_id) == "delivered"
    [sms] = world.results()
    assert sms.template == template
    [finish] = world.store.finished
    assert finish.give_back is give_back
    assert world.store.quota_taken(world.phone_h(), "internet_accounts") is not give_back


def test_companies_are_not_asked_when_ownership_fails() -> None:
    partners = FakePartners(owners=all_owners(cucc=OwnerAnswer("active", False)), counts={})
    world = make_world(partners=partners)
    world.run(world.accepted(accounts_form()))
    assert {kind for kind, _ in partners.calls} == {"owner"}


def test_partial_sms_names_what_could_not_be_checked() -> None:
    partners = FakePartners(owners=all_owners(), counts=all_counts(alibaba=PartnerUnavailable()))
    world = make_world(partners=partners)
    world.run(world.accepted(accounts_form()))
    [sms] = world.results()
    assert sms.params["unavailable"] == "淘宝、闲鱼、钉钉"
    assert sms.params["taobao"] == "-" and sms.params["total"] == "8"


def test_sms_gateway_failing_every_time(no_backoff: None) -> None:
    world = make_world(sms=FakeSms())
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 100
    attempts_before = world.sms.attempts
    assert world.run(ticket_id) == "failed"
    assert world.sms.attempts - attempts_before == delivery_module.SMS_ATTEMPTS
    [finish] = world.store.finished
    assert finish.status == "failed" and finish.give_back is True
    assert world.store.get_ticket(ticket_id).status == "failed"  # type: ignore[union-attr]
    world.sms.fail_times = 0
    world.request(cards_form())  # the quota came back
    assert world.sms.sent[-1].template == "code_phone_cards"


def test_sms_gateway_failing_then_taking_it(no_backoff: None) -> None:
    world = make_world()
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 2
    assert world.run(ticket_id) == "delivered"
    assert len(world.results()) == 1
    assert world.store.finished[0].give_back is False


def test_hanging_partner_becomes_unavailable_within_the_deadline() -> None:
    partners = FakePartners(cards=all_cards(cucc=Hang(30.0)))
    world = make_world(partners=partners, query_deadline_s=0.05)
    ticket_id = world.accepted(cards_form())
    started = time.monotonic()
    assert world.run(ticket_id) == "delivered"
    assert time.monotonic() - started < 2.0
    [sms] = world.results()
    assert sms.template == "phone_cards_partial"
    assert sms.params["cucc"] == "-" and sms.params["unavailable"] == "中国联通"
    assert world.store.finished[0].give_back is True


def test_expired_form_fails_and_gives_back(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    world.clock.advance(SETTINGS.form_ttl_s + 1)
    assert world.run(ticket_id) == "failed"
    assert world.results() == []
    [finish] = world.store.finished
    assert finish.status == "failed" and finish.give_back is True


def test_unknown_ticket_is_ignored(world: World) -> None:
    assert world.run("no-such-ticket") is None
    assert world.sms.sent == [] and world.store.finished == []


def test_partners_are_asked_in_parallel() -> None:
    class Slow(FakePartners):
        async def query_cards(self, operator: Any, form: Any) -> Any:
            await asyncio.sleep(0.05)
            return await super().query_cards(operator, form)

    world = make_world(partners=Slow(cards=all_cards()))
    ticket_id = world.accepted(cards_form())
    started = time.monotonic()
    world.run(ticket_id)
    assert time.monotonic() - started < 0.05 * len(OPERATORS) * 0.8
