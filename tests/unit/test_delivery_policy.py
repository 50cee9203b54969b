"""The delivery policy of run_query: one result SMS per ticket whatever the gateway does, and
a platform notice that never fails the query or repeats the SMS."""

from __future__ import annotations

from typing import Any

import pytest

from app.ports.messages import NoticeRefused, NoticeUnavailable, SmsError, SmsUncertain
from tests.fakes.outside import FakeNotifier, FakeSms
from tests.unit.world import (
    ALICE,
    World,
    cards_form,
    make_world,
)

pytestmark = pytest.mark.usefixtures("no_backoff")


def notify_world(notifier: FakeNotifier | None = None, **kw: Any) -> World:
    return make_world(notifier=notifier or FakeNotifier(), **kw)


def submit_with_notice(world: World) -> str:
    world.request(cards_form())
    return str(world.submit({**cards_form(), "notify": True}, world.sms.last_code()).ticket)


# --- the SMS ----------------------------------------------------------------------------------


def test_an_uncertain_send_is_not_repeated_through_a_gateway_that_cannot_dedupe() -> None:
    world = make_world(sms=FakeSms(error=SmsUncertain, idempotent=False))
    ticket_id = world.accepted(cards_form())
    attempts = world.sms.attempts
    world.sms.fail_times = 1
    assert world.run(ticket_id) == "delivered"  # it may have gone out: at most once
    assert world.sms.attempts - attempts == 1
    assert world.store.sms_mark(ticket_id) == "sent"


def test_an_uncertain_send_is_retried_through_an_idempotent_gateway() -> None:
    world = make_world(sms=FakeSms(error=SmsUncertain, idempotent=True))
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 2
    assert world.run(ticket_id) == "delivered"
    assert len(world.results()) == 1
    assert world.results()[0].idempotency_key == ticket_id


def test_a_refused_send_is_retried_with_backoff_then_fails() -> None:
    world = make_world(sms=FakeSms(error=SmsError))
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 100
    assert world.run(ticket_id) == "failed"
    assert world.store.sms_mark(ticket_id) == "failed"
    assert world.store.finished[-1].give_back is True


def test_after_a_crash_that_followed_certain_failures_the_next_delivery_sends() -> None:
    world = make_world(sms=FakeSms(), crash_once=True)
    ticket_id = world.accepted(cards_form())
    world.sms.fail_times = 4  # every attempt of the first delivery is refused
    with pytest.raises(ConnectionError):
        world.run(ticket_id)  # ...and the worker dies before recording "failed"
    assert world.store.sms_mark(ticket_id) == "failed"
    assert world.run(ticket_id) == "delivered"
    assert len(world.results()) == 1


@pytest.mark.parametrize(("idempotent", "resent"), [(False, 0), (True, 1)])
def test_a_crash_in_the_middle_of_a_send(idempotent: bool, resent: int) -> None:
    world = make_world(sms=FakeSms(idempotent=idempotent))
    ticket_id = world.accepted(cards_form())
    assert world.store.claim_sms(ticket_id)  # an earlier delivery took the marker, then died
    attempts = world.sms.attempts
    assert world.run(ticket_id) == "delivered"
    assert world.sms.attempts - attempts == resent  # only a deduping gateway may be asked again
    assert len(world.results()) == resent


# --- the platform notice ------------------------------------------------------------------------


def test_a_notice_goes_to_the_user_who_asked_for_it() -> None:
    world = notify_world()
    ticket_id = submit_with_notice(world)
    assert world.run(ticket_id) == "delivered"
    [(platform, recipient, notice)] = world.notifier.sent  # type: ignore[union-attr]
    assert (platform, recipient) == ("wechat", ALICE.user.user_id)
    assert notice.ticket_id == ticket_id and notice.values["status"] == "已发送"
    assert world.store.audit[-1]["notice"] == "sent"


def test_no_notice_without_notify_and_the_recipient_is_sealed_only_with_notify() -> None:
    world = notify_world()
    ticket_id = world.accepted(cards_form())
    sealed = world.store.load_form(ticket_id)
    assert sealed is not None
    assert b"notify_to" not in world.ctx.form_sealer.open(sealed, ticket_id.encode())
    world.run(ticket_id)
    assert world.notifier.attempts == 0  # type: ignore[union-attr]
    assert world.store.audit[-1]["notice"] == "none"


def test_the_recipient_is_sealed_with_the_form_and_purged_with_it() -> None:
    world = notify_world()
    ticket_id = submit_with_notice(world)
    assert ALICE.user.user_id.encode() not in world.store.raw_bytes
    sealed = world.store.load_form(ticket_id)
    assert sealed is not None
    assert ALICE.user.user_id.encode() in world.ctx.form_sealer.open(sealed, ticket_id.encode())
    world.run(ticket_id)
    assert world.store.load_form(ticket_id) is None


@pytest.mark.parametrize(
    "error", [NoticeRefused("no_authorisation"), NoticeUnavailable("unreachable"), KeyError("x")]
)
def test_a_notice_error_never_fails_the_query_nor_repeats_the_sms(error: Exception) -> None:
    world = notify_world(FakeNotifier(error=error))
    ticket_id = submit_with_notice(world)
    assert world.run(ticket_id) == "delivered"
    assert len(world.results()) == 1
    assert world.store.finished[-1].status == "delivered"
    reason = getattr(error, "reason", "error")
    assert world.store.audit[-1]["notice"] == f"failed:{reason}"


def test_a_platform_without_a_channel_gets_no_notice_and_nothing_fails() -> None:
    world = notify_world(FakeNotifier(platforms=("alipay",)))
    ticket_id = submit_with_notice(world)
    assert world.run(ticket_id) == "delivered"
    assert world.store.audit[-1]["notice"] == "off"


def test_a_redelivered_task_sends_neither_the_sms_nor_the_notice_again() -> None:
    world = notify_world(crash_once=True)
    ticket_id = submit_with_notice(world)
    with pytest.raises(ConnectionError):
        world.run(ticket_id)  # SMS and notice went out; the end was not recorded
    assert world.run(ticket_id) == "delivered"
    assert len(world.results()) == 1
    assert len(world.notifier.sent) == 1  # type: ignore[union-attr]
    assert world.store.audit[-1]["notice"] == "earlier"


def test_a_failed_delivery_is_notified_as_failed() -> None:
    world = notify_world()
    ticket_id = submit_with_notice(world)
    world.sms.fail_times = 100
    assert world.run(ticket_id) == "failed"
    [(_, _, notice)] = world.notifier.sent  # type: ignore[union-attr]
    assert notice.values["status"] == "发送失败"
