"""What only the Redis adapters can get wrong, beyond their ports' contracts (tests/contracts):
keys' lifetimes, and leaving nothing behind."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

import pytest

from adapters.redis import connect
from adapters.redis import keys as redis_keys
from adapters.redis.audit import AUDIT_RETENTION_S
from adapters.redis.codes import RedisCodes
from adapters.redis.tickets import RedisTickets
from adapters.task_queue import NAMESPACE, QUEUE, RUN_QUERY, DramatiqQueue, redis_broker
from app.domain.codes import CodeCheckOutcome, CodePolicy
from app.domain.quotas import QuotaPolicy
from app.domain.tickets import Ticket, TicketEnd, TicketStatus
from app.ports.state import CodeRequest, Redemption
from app.runtime.embedded_redis import free_port, start_redis
from tests.processes import stop


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


@pytest.fixture
def private_redis(tmp_path):
    """A Redis no worker reads, so a queued task stays where the test can see it."""
    port = free_port()
    process = start_redis(port, tmp_path / "redis", persistent=False)
    yield f"redis://127.0.0.1:{port}/0"
    stop(process)


def test_a_redeemed_code_queues_its_task_in_the_same_script(private_redis) -> None:
    client, queue = connect(private_redis, 2.0), DramatiqQueue(redis_broker(private_redis))
    codes = RedisCodes(client, QuotaPolicy(), CodePolicy(), 600, 60, queue=queue)
    request = code_request(secrets.token_hex(12))
    codes.issue(request)
    ticket = processing_ticket(RedisTickets(client), time.time())
    ticket = replace(ticket, status=TicketStatus.ACCEPTED, owner_h=request.user_h)

    def scripts_run() -> int:
        return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))

    wrong = Redemption("phone_cards", request.phone_h, "not-the-digest", ticket, b"sealed")
    assert codes.redeem(wrong).outcome is CodeCheckOutcome.MISMATCH
    assert client.llen(f"{NAMESPACE}:{QUEUE}") == 0  # a wrong code queues nothing
    before = scripts_run()
    check = codes.redeem(Redemption("phone_cards", request.phone_h, "d", ticket, b"sealed"))
    assert check.outcome is CodeCheckOutcome.OK and check.enqueued
    assert scripts_run() - before == 1  # the code, the ticket, the form and the task: one call
    # Dramatiq's own consumer reads the task as if RedisBroker.enqueue had written it
    consumer = redis_broker(private_redis).consume(QUEUE, prefetch=1, timeout=1000)
    message = next(m for m in consumer if m is not None)
    assert (message.actor_name, message.args) == (RUN_QUERY, (ticket.id,))
    consumer.ack(message)
    consumer.close()


def test_without_a_queue_the_redemption_leaves_the_task_to_the_caller(private_redis) -> None:
    client = connect(private_redis, 2.0)
    codes = RedisCodes(client, QuotaPolicy(), CodePolicy(), 600, 60)
    request = code_request(secrets.token_hex(12))
    codes.issue(request)
    ticket = replace(
        processing_ticket(RedisTickets(client), time.time()),
        status=TicketStatus.ACCEPTED,
        owner_h=request.user_h,
    )
    check = codes.redeem(Redemption("phone_cards", request.phone_h, "d", ticket, b"sealed"))
    assert check.outcome is CodeCheckOutcome.OK and not check.enqueued
    assert client.llen(f"{NAMESPACE}:{QUEUE}") == 0
