"""The Store's scripts on a real Redis: redeeming a code into a ticket, beginning a query, the
breakers' hash, and finish's SMS marker."""

from __future__ import annotations

import dataclasses
import secrets
import time

import pytest

from adapters import redis_keys as keys
from adapters.redis_store import RedisStore, connect
from app.ports import Breaker, CodeIssue, Ticket


@pytest.fixture
def store(settings) -> RedisStore:
    return RedisStore(connect(settings.redis_url, 2.0), breaker_threshold=2, breaker_cooldown_s=30)


def ticket_for(store: RedisStore, phone_h: str) -> Ticket:
    quota = {"service": "phone_cards", "phone_h": phone_h, "id_h": ""}
    now = time.time()
    return Ticket(store.new_ticket_id(phone_h), "phone_cards", "accepted", "138****0000",
                  "u-" + phone_h, "wechat", now, now, quota=quota)  # fmt: skip


def issue(phone_h: str) -> CodeIssue:
    return CodeIssue("phone_cards", phone_h, "", "u-" + phone_h, "ip-" + phone_h, "digest", 300,
                     86400, 5, 60, now=time.time())  # fmt: skip


def test_a_code_is_redeemed_into_a_ticket_once(store: RedisStore) -> None:
    phone_h = secrets.token_hex(12)
    assert store.issue_code(issue(phone_h)) == (0, "")
    ticket = ticket_for(store, phone_h)
    wrong = store.redeem_code("phone_cards", phone_h, "nope", 3, ticket, b"sealed", 60, 10)
    assert (wrong.outcome, wrong.attempts_left) == ("mismatch", 2)
    assert store.get_ticket(ticket.id) is None  # a wrong code creates nothing
    assert (
        store.redeem_code("phone_cards", phone_h, "digest", 3, ticket, b"sealed", 60, 10).outcome
        == "ok"
    )
    assert store.get_ticket(ticket.id) == ticket
    again = store.redeem_code("phone_cards", phone_h, "digest", 3, ticket, b"sealed", 60, 10)
    assert again.outcome == "expired"  # the code is burnt


def test_begin_marks_a_live_ticket_processing_and_reads_the_breakers(store: RedisStore) -> None:
    phone_h = secrets.token_hex(12)
    store.issue_code(issue(phone_h))
    ticket = ticket_for(store, phone_h)
    store.redeem_code("phone_cards", phone_h, "digest", 3, ticket, b"sealed", 60, 10)
    partner = "p-" + secrets.token_hex(4)
    store.record_calls({partner: False}, time.time())
    begun = store.begin(ticket.id, 123.0)
    assert begun.ticket is not None and begun.ticket.status == "accepted"  # as it was read
    assert begun.sealed_form == b"sealed"
    assert begun.breakers[partner] == Breaker("closed", 1)
    assert store.get_ticket(ticket.id).status == "processing"  # type: ignore[union-attr]
    store.finish(ticket, "delivered", 124.0, give_back=False, audit={}, sms_mark="sent")
    assert store.sms_mark(ticket.id) == "sent"
    final = store.begin(ticket.id, 125.0)  # a redelivery after the end
    assert final.ticket.status == "delivered" and final.sealed_form is None  # type: ignore[union-attr]
    assert store.get_ticket(ticket.id).status == "delivered"  # type: ignore[union-attr]
    assert store.begin("zz" + secrets.token_urlsafe(16), 1.0).ticket is None


def test_the_breakers_hash_opens_and_closes(store: RedisStore) -> None:
    partner, now = "p-" + secrets.token_hex(4), time.time()
    store.record_calls({partner: False}, now)
    store.record_calls({partner: False}, now)  # the threshold here is 2
    assert store.breaker_states([partner], now) == {partner: "open"}
    assert store.breaker_states([partner], now + 31) == {partner: "half_open"}
    assert store.claim_probe(partner) and not store.claim_probe(partner)
    store.record_calls({partner: True}, now + 31)  # the probe succeeded
    assert store.breaker_states([partner], now + 31) == {partner: "closed"}
    assert store.claim_probe(partner)  # the probe key went with it
    assert not store.redis.hexists(keys.breakers(), f"{partner}:fails")


def test_a_code_answers_only_its_owner_and_the_submit_limit_comes_first(store: RedisStore) -> None:
    phone_h = secrets.token_hex(12)
    store.issue_code(issue(phone_h))
    assert store.redis.hget(keys.code(phone_h, "phone_cards"), "u") == f"u-{phone_h}".encode()
    stranger = dataclasses.replace(ticket_for(store, phone_h), owner_h="someone-else")
    for _ in range(5):
        guess = store.redeem_code("phone_cards", phone_h, "nope", 3, stranger, b"sealed", 60, 10)
        assert guess.outcome == "expired"
    assert store.redis.hget(keys.code(phone_h, "phone_cards"), "a") == b"0"  # nothing spent
    limited = store.redeem_code("phone_cards", phone_h, "nope", 3, stranger, b"s", 60, 5)
    assert (limited.outcome, limited.retry_after > 0) == ("limited", True)
    owner = ticket_for(store, phone_h)
    assert (
        store.redeem_code("phone_cards", phone_h, "digest", 3, owner, b"s", 60, 5).outcome == "ok"
    )


def test_giving_back_an_expired_counter_leaves_no_key_without_ttl(store: RedisStore) -> None:
    phone_h = secrets.token_hex(12)
    code = issue(phone_h)
    store.issue_code(code)
    store.redis.delete(keys.user_limit(code.user_h), keys.ip_limit(code.ip_h))  # expired
    store.cancel_code(code)
    assert not store.redis.exists(keys.user_limit(code.user_h), keys.ip_limit(code.ip_h))


def test_the_audit_stream_expires_and_is_trimmed_by_age(store: RedisStore) -> None:
    phone_h = secrets.token_hex(12)
    store.issue_code(issue(phone_h))
    ticket = ticket_for(store, phone_h)
    store.redeem_code("phone_cards", phone_h, "digest", 3, ticket, b"sealed", 60, 10)
    store.finish(ticket, "delivered", time.time(), False, {"ticket": ticket.id})
    assert 0 < store.redis.ttl(keys.audit_stream()) <= 7 * 86400
    store.redis.delete(keys.audit_stream())  # events of other tests are newer than 1-1
    old = store.redis.xadd(keys.audit_stream(), {"ticket": "old"}, id="1-1")
    store.finish(ticket, "delivered", time.time(), False, {"ticket": ticket.id})
    ids = [entry_id for entry_id, _ in store.redis.xrange(keys.audit_stream(), count=10)]
    assert old not in ids


def test_a_throttled_sms_is_parked_with_the_form_gone_and_begin_finds_it(
    store: RedisStore,
) -> None:
    phone_h = secrets.token_hex(12)
    store.issue_code(issue(phone_h))
    ticket = ticket_for(store, phone_h)
    store.redeem_code("phone_cards", phone_h, "digest", 3, ticket, b"sealed", 60, 10)
    assert store.claim_sms(ticket.id) and store.sms_mark(ticket.id) == "sending"
    store.park_sms(ticket.id, "waiting:1", b"pending", ttl_s=100)
    assert store.sms_mark(ticket.id) == "waiting:1"
    assert store.redis.ttl(keys.pending_sms(ticket.id)) in range(90, 101)
    store.redis.hset(keys.ticket(ticket.id), "status", "accepted")
    begun = store.begin(ticket.id, 130.0)  # a retry: the form is gone, the SMS waits
    assert (begun.sealed_form, begun.pending_sms) == (None, b"pending")
    assert store.get_ticket(ticket.id).status == "processing"  # type: ignore[union-attr]
    # of two copies of the retry, one takes the delivery
    assert store.swap_sms_mark(ticket.id, "waiting:1", "sending:a")
    assert not store.swap_sms_mark(ticket.id, "waiting:1", "sending:b")
    assert store.sms_mark(ticket.id) == "sending:a"
    store.finish(ticket, "delivered", 131.0, give_back=False, audit={}, sms_mark="sent")
    assert not store.redis.exists(keys.pending_sms(ticket.id))
