"""What only the Redis adapters can get wrong, beyond their ports' contracts (tests/contracts):
keys' lifetimes, and leaving nothing behind."""

from __future__ import annotations

import secrets
import time

import pytest

from adapters.redis import connect
from adapters.redis import keys as redis_keys
from adapters.redis.audit import AUDIT_RETENTION_S
from adapters.redis.codes import RedisCodes
from adapters.redis.tickets import RedisTickets
from app.domain.codes import CodePolicy
from app.domain.quotas import QuotaPolicy
from app.domain.tickets import Ticket, TicketEnd, TicketStatus
from app.ports.state import CodeRequest


@pytest.fixture
def client(settings):
    return connect(settings.redis_url, 2.0)


def code_request(phone_h: str) -> CodeRequest:
    return CodeRequest("phone_cards", phone_h, "", "u-" + phone_h, "a-" + phone_h, "d", time.time())


def processing_ticket(tickets: RedisTickets, now: float) -> Ticket:
    phone_h = secrets.token_hex(12)
    status, masked = TicketStatus.PROCESSING, "138****0000"
    return Ticket(tickets.new_id(phone_h), "phone_cards", status, masked, "o", "wechat", now, now)


def test_giving_back_an_expired_counter_leaves_no_key_without_ttl(client) -> None:
    codes = RedisCodes(client, QuotaPolicy(), CodePolicy(), 600, 60)
    request = code_request(secrets.token_hex(12))
    codes.issue(request)
    assert (
        client.hget(redis_keys.code(request.phone_h, "phone_cards"), "u") == request.user_h.encode()
    )
    client.delete(redis_keys.user_limit(request.user_h), redis_keys.ip_limit(request.ip_h))
    codes.cancel(request)
    assert not client.exists(
        redis_keys.user_limit(request.user_h), redis_keys.ip_limit(request.ip_h)
    )


def test_the_audit_stream_expires_and_is_trimmed_by_age(client) -> None:
    tickets, now = RedisTickets(client), time.time()
    ticket = processing_ticket(tickets, now)
    tickets.finish(ticket, TicketEnd(TicketStatus.DELIVERED, now, False, {"ticket": ticket.id}))
    assert 0 < client.ttl(redis_keys.audit_stream()) <= AUDIT_RETENTION_S
    client.delete(redis_keys.audit_stream())  # events of other tests are newer than 1-1
    old = client.xadd(redis_keys.audit_stream(), {"ticket": "old"}, id="1-1")
    ticket.status = TicketStatus.PROCESSING
    tickets.finish(ticket, TicketEnd(TicketStatus.DELIVERED, now, False, {"ticket": ticket.id}))
    ids = [entry_id for entry_id, _ in client.xrange(redis_keys.audit_stream(), count=10)]
    assert old not in ids and len(ids) == 1


def test_finishing_a_ticket_that_expired_creates_nothing(client) -> None:
    tickets, now = RedisTickets(client), time.time()
    gone = processing_ticket(tickets, now)  # never created, or expired since
    tickets.finish(gone, TicketEnd(TicketStatus.FAILED, now, False, {}))
    assert not client.exists(redis_keys.ticket(gone.id))
