"""Use cases over fakes of the ports: request a code, submit a query, read a ticket."""

from __future__ import annotations

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
from app.ports.identity import PlatformUser
from app.ports.messages import SmsError, SmsThrottled
from app.services.caller import Caller
from tests.fakes.outside import FakeSms
from tests.unit.world import (
    ALICE,
    BOB,
    ID,
    NAME,
    PHONE,
    SETTINGS,
    World,
    accounts_form,
    cards_form,
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
