"""Use cases over fakes of the ports: request a code, submit a query, run it, read a ticket."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from app.domain.errors import (
    CodeExpired,
    CodeMismatch,
    InvalidFields,
    NotFound,
    QuotaExceeded,
    ServiceUnavailable,
    SmsRateLimited,
    SmsUnavailable,
)
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.ports.identity import PlatformUser
from app.ports.messages import SmsError, SmsThrottled
from app.ports.partners import PartnerRejected, PartnerUnavailable
from app.services.caller import Caller
from tests.fakes.outside import FakePartners, FakeSms, Hang
from tests.unit.registry_data import COMPANIES, OPERATORS
from tests.unit.world import (
    ALICE,
    BOB,
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

# --- request_code -----------------------------------------------------------------------------


def test_code_is_sent_for_a_valid_form(world: World) -> None:
    sent = world.request(cards_form())
    assert sent.sent_to == "138****8000"
    assert sent.expires_in == SETTINGS.code_ttl_s
    [sms] = world.sms.sent
    assert sms.phone == PHONE and sms.template == "code_phone_cards"
    assert list(sms.params) == ["code"]  # the one variable a 验证码 template may have
    assert len(sms.params["code"]) == 6 and sms.params["code"].isdigit()
    assert world.store.quota_taken(world.phone_h(), "phone_cards")


@pytest.mark.parametrize(
    "data",
    [
        cards_form(id_number="110105194912310021"),
        cards_form(name="Zhang San"),
        cards_form(phone="1380013800"),
        cards_form(agree="true"),
        accounts_form(id_last6="31002"),
        accounts_form(name=NAME),
    ],
)
def test_invalid_form_sends_nothing_and_spends_nothing(world: World, data: dict[str, Any]) -> None:
    with pytest.raises(InvalidFields):
        world.request(data)
    assert world.sms.attempts == 0
    assert world.store.data == {}
    world.request(cards_form() if data["service"] == "phone_cards" else accounts_form())
    assert len(world.sms.sent) == 1


def test_second_request_hits_the_quota(world: World) -> None:
    world.request(cards_form())
    world.clock.advance(100)
    with pytest.raises(QuotaExceeded) as info:
        world.request(cards_form())
    assert info.value.retry_after == SETTINGS.code_quota_window_s - 100
    assert len(world.sms.sent) == 1
    world.clock.advance(SETTINGS.code_quota_window_s - 100)
    world.request(cards_form())  # a day later
    assert len(world.sms.sent) == 2


def test_id_quota_applies_to_another_phone(world: World) -> None:
    world.request(cards_form())
    with pytest.raises(QuotaExceeded):
        world.request(cards_form(phone="13900139000"))
    world.request(accounts_form())  # the other service has its own quota for the phone
    assert len(world.sms.sent) == 2


def test_a_refused_request_counts_against_no_limit() -> None:
    world = make_world(code_limit_per_user_day=2)
    world.request(cards_form())
    for _ in range(3):
        with pytest.raises(QuotaExceeded):
            world.request(cards_form())
    world.request(accounts_form(phone="13900139000"))
    with pytest.raises(QuotaExceeded):  # now the user limit of 2 is reached
        world.request(accounts_form(phone="13700137000"))


@pytest.mark.parametrize(
    ("error", "domain_error"),
    [(SmsError, SmsUnavailable), (SmsThrottled, SmsRateLimited)],
)
def test_sms_failure_gives_the_quota_back(error: type[SmsError], domain_error: type) -> None:
    world = make_world(sms=FakeSms(fail_times=1, error=error), code_limit_per_user_day=1)
    with pytest.raises(domain_error):
        world.request(cards_form())
    assert world.sms.sent == []
    assert not world.store.quota_taken(world.phone_h(), "phone_cards")
    sent = world.request(cards_form())  # phone, ID and user limits were all given back
    assert sent.sent_to == "138****8000"
    assert len(world.sms.sent) == 1


# --- submit_query -----------------------------------------------------------------------------


def test_wrong_code_counts_attempts_then_expires(world: World) -> None:
    world.request(cards_form())
    code = world.sms.last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (2, 1, 0):
        with pytest.raises(CodeMismatch) as info:
            world.submit(cards_form(), wrong)
        assert info.value.attempts_left == left
    with pytest.raises(CodeExpired):
        world.submit(cards_form(), code)
    assert world.queue.enqueued == []


def test_right_code_is_accepted_once(world: World) -> None:
    world.request(cards_form())
    code = world.sms.last_code()
    accepted = world.submit(cards_form(), code)
    assert accepted.status == "accepted"
    assert "138****8000" in accepted.message and PHONE not in accepted.message
    assert world.queue.enqueued == [accepted.ticket]
    with pytest.raises(CodeExpired):  # single use
        world.submit(cards_form(), code)
    assert world.queue.enqueued == [accepted.ticket]


def test_code_is_bound_to_the_whole_form(world: World) -> None:
    world.request(cards_form())
    code = world.sms.last_code()
    with pytest.raises(CodeMismatch):
        world.submit(cards_form(name="李四"), code)
    with pytest.raises(CodeMismatch):
        world.submit(cards_form(id_number="110105194912310038"), code)
    assert world.submit(cards_form(), code).status == "accepted"


def test_code_expires_after_its_ttl(world: World) -> None:
    world.request(cards_form())
    world.clock.advance(SETTINGS.code_ttl_s)
    with pytest.raises(CodeExpired):
        world.submit(cards_form(), world.sms.last_code())


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", 123456, None])
def test_malformed_code_is_a_field_error(world: World, code: Any) -> None:
    world.request(cards_form())
    with pytest.raises(InvalidFields) as info:
        world.submit_query(ALICE, {**cards_form(), "code": code})
    assert set(info.value.fields) == {"code"}


def test_malformed_form_and_code_are_reported_together(world: World) -> None:
    with pytest.raises(InvalidFields) as info:
        world.submit_query(ALICE, {**cards_form(name="x"), "code": "12"})
    assert set(info.value.fields) == {"name", "code"}


def test_stored_form_is_sealed(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    raw = world.store.raw_bytes
    for clear in (PHONE, ID, NAME, ID[-6:]):
        assert clear.encode() not in raw, clear
    sealed = world.store.load_form(ticket_id)
    assert sealed is not None and PHONE.encode() not in sealed
    assert world.ctx.form_sealer.open(sealed, ticket_id.encode()).count(PHONE.encode()) == 1


def test_enqueue_failure_gives_the_quota_back() -> None:
    world = make_world()
    world.queue.fail = True
    world.request(cards_form())
    with pytest.raises(ServiceUnavailable):
        world.submit(cards_form(), world.sms.last_code())
    [finish] = world.store.finished
    assert finish.status == "failed" and finish.give_back is True
    assert not world.store.quota_taken(world.phone_h(), "phone_cards")


# --- ticket_status ----------------------------------------------------------------------------


def test_ticket_status_for_its_owner_only(world: World) -> None:
    ticket_id = world.accepted(cards_form())
    ticket = world.read_ticket(ALICE, ticket_id)
    assert ticket.status == "accepted" and ticket.phone_masked == "138****8000"
    with pytest.raises(NotFound):
        world.read_ticket(BOB, ticket_id)
    same_user_other_platform = Caller(PlatformUser("alipay", "o-alice"), ALICE.ip)
    with pytest.raises(NotFound):
        world.read_ticket(same_user_other_platform, ticket_id)
    with pytest.raises(NotFound):
        world.read_ticket(ALICE, "no-such-ticket")
    with pytest.raises(NotFound):
        world.read_ticket(ALICE, ticket_id + "x" * 64)


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
