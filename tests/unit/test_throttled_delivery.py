"""A throttled result SMS (product.md, "Send time"): it waits, sealed, and is tried again with
backoff, from about a second up to a minute apart, for SMS_RETRY_WINDOW_S; the ticket stays
processing meanwhile, and only then fails with the quota given back. Still exactly once."""

from __future__ import annotations

import types
from typing import Any

import pytest

from app.domain.delivery import retry_delay, wait_before
from app.ports.messages import SmsThrottled
from app.services.delivery import Run
from tests.fakes.outside import FakeNotifier, FakeSms, Scheduled
from tests.unit.world import ALICE, ID, NAME, PHONE, World, cards_form, make_world


@pytest.fixture(autouse=True)
def whole_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """No jitter: the scheduled delays are the policy's own."""
    import importlib

    module = importlib.import_module("app.services.delivery")
    monkeypatch.setattr(module, "random", types.SimpleNamespace(uniform=lambda a, b: b))


def throttled_world(**settings: Any) -> tuple[World, str]:
    world = make_world(sms=FakeSms(error=SmsThrottled), **settings)
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 10_000  # the gateway throttles this number from now on
    return world, ticket_id


def run(world: World, ticket_id: str, retry: Scheduled | None = None) -> str | None:
    """The task's first message, or a scheduled retry once its delay has passed."""
    if retry is None:
        return world.run(ticket_id)
    world.clock.advance(retry.delay_s)
    return world.run(ticket_id, Run(retry.attempt, retry.token))


def test_the_policy_waits_a_second_then_doubles_up_to_a_minute() -> None:
    assert [wait_before(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert retry_delay(3, throttled_since=0, now=10, window_s=1800) == 4
    assert retry_delay(9, throttled_since=0, now=1790, window_s=1800) == 10  # the window's end
    assert retry_delay(9, throttled_since=0, now=1800, window_s=1800) is None


def test_a_throttled_result_waits_sealed_and_the_ticket_stays_processing() -> None:
    world, ticket_id = throttled_world()
    assert run(world, ticket_id) == "processing"
    ticket = world.store.get_ticket(ticket_id)
    assert ticket is not None and ticket.status == "processing"
    assert world.store.finished == [] and world.store.quota_taken(world.phone_h(), "phone_cards")
    [retry] = world.queue.scheduled
    assert (retry.attempt, retry.delay_s) == (1, 1.0)
    assert world.store.sms_mark(ticket_id) == "waiting:1"
    # the form is gone; the message waits sealed, and no identifier is stored in clear
    assert world.store.load_form(ticket_id) is None
    assert world.store.load_pending(ticket_id) is not None
    for clear in (PHONE, ID, NAME):
        assert clear.encode() not in world.store.raw_bytes


def test_it_is_sent_once_the_gateway_takes_it_and_only_then_is_the_end_recorded() -> None:
    world, ticket_id = throttled_world()
    run(world, ticket_id)
    run(world, ticket_id, world.queue.scheduled[-1])  # still throttled: retry 2 in 2 s
    assert [r.delay_s for r in world.queue.scheduled] == [1.0, 2.0]
    world.sms.fail_times = 0
    assert run(world, ticket_id, world.queue.scheduled[-1]) == "delivered"
    [result] = world.results()
    assert result.phone == PHONE and result.template == "phone_cards_result"
    [finish] = world.store.finished
    assert (finish.status, finish.give_back) == ("delivered", False)  # a result uses the quota
    assert finish.audit["sms_retries"] == "2" and finish.audit["outcome"] == "result"
    assert world.store.load_pending(ticket_id) is None
    assert world.store.sms_mark(ticket_id) == "sent"


def test_after_the_window_the_ticket_fails_and_the_quota_comes_back() -> None:
    world, ticket_id = throttled_world(sms_retry_window_s=300)
    assert run(world, ticket_id) == "processing"
    while world.store.finished == []:
        assert run(world, ticket_id, world.queue.scheduled[-1]) in ("processing", "failed")
    delays = [r.delay_s for r in world.queue.scheduled]
    assert delays[:8] == [1, 2, 4, 8, 16, 32, 60, 60] and sum(delays) == pytest.approx(300)
    [finish] = world.store.finished
    assert (finish.status, finish.give_back) == ("failed", True)
    assert world.results() == [] and not world.store.quota_taken(world.phone_h(), "phone_cards")


def test_two_copies_of_one_retry_send_once() -> None:
    world, ticket_id = throttled_world()
    run(world, ticket_id)
    [retry] = world.queue.scheduled
    world.sms.fail_times = 0
    copy = Scheduled(ticket_id, retry.attempt, "another-token", 0)
    assert run(world, ticket_id, retry) == "delivered"
    assert run(world, ticket_id, copy) is None  # the ticket is final: nothing to do
    assert len(world.results()) == 1


def test_a_copy_that_finds_the_sms_sent_before_the_end_was_recorded_sends_nothing() -> None:
    world, ticket_id = throttled_world()
    run(world, ticket_id)
    [retry] = world.queue.scheduled
    world.store.set_sms_mark(ticket_id, "sent")  # the retry sent it, then died before finish
    copy = Scheduled(ticket_id, retry.attempt, "another-token", 0)
    assert run(world, ticket_id, copy) == "delivered"
    assert world.results() == [] and world.store.finished[-1].status == "delivered"


def test_a_copy_that_arrives_while_the_retry_sends_stops() -> None:
    world, ticket_id = throttled_world()
    run(world, ticket_id)
    [retry] = world.queue.scheduled
    assert world.store.swap_sms_mark(ticket_id, "waiting:1", f"sending:{retry.token}")
    copy = Scheduled(ticket_id, 1, "another-token", 0)
    assert run(world, ticket_id, copy) is None  # another message holds the delivery
    assert world.results() == [] and world.store.finished == []


def test_the_first_message_redelivered_after_parking_schedules_the_retry_again() -> None:
    """The worker died between parking the SMS and scheduling its retry."""
    world, ticket_id = throttled_world()
    run(world, ticket_id)
    world.queue.scheduled.clear()  # the retry never reached the broker
    assert run(world, ticket_id) is None
    [again] = world.queue.scheduled
    assert again.attempt == 1
    world.sms.fail_times = 0
    assert run(world, ticket_id, again) == "delivered"
    assert len(world.results()) == 1


@pytest.mark.parametrize(("idempotent", "resent"), [(False, 0), (True, 1)])
def test_a_retry_that_died_in_the_middle_of_its_send(idempotent: bool, resent: int) -> None:
    world, ticket_id = throttled_world()
    world.sms.idempotent = idempotent
    run(world, ticket_id)
    [retry] = world.queue.scheduled
    assert world.store.swap_sms_mark(ticket_id, "waiting:1", f"sending:{retry.token}")
    world.sms.fail_times = 0
    attempts = world.sms.attempts
    assert run(world, ticket_id, retry) == "delivered"  # the same message, redelivered
    assert world.sms.attempts - attempts == resent  # only a deduping gateway is asked again


def test_the_notice_follows_the_delayed_sms_once() -> None:
    notifier = FakeNotifier()
    world = make_world(sms=FakeSms(error=SmsThrottled), notifier=notifier)
    world.request(cards_form())
    ticket_id = str(world.submit({**cards_form(), "notify": True}, world.sms.last_code()).ticket)
    world.sms.fail_times = 3
    assert run(world, ticket_id) == "processing"
    while run(world, ticket_id, world.queue.scheduled[-1]) != "delivered":
        pass
    [(platform, recipient, notice)] = notifier.sent
    assert (platform, recipient) == ("wechat", ALICE.user.user_id)
    assert notice.values["status"] == "已发送"
