"""Exactly one result SMS per ticket, even when the task runs again after a crash."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from adapters import redis_keys
from adapters.task_queue import DramatiqQueue, redis_broker
from app.bootstrap import build_context, build_partner_client
from app.ports import PlatformUser
from app.services import codes, queries
from app.services.context import Caller
from app.services.run_query import run_query
from tests.integration.flows import phone_cards_person
from tests.integration.flows import run_query as run_via_api


class HeldQueue:
    """Holds the ticket instead of handing it to the worker, so the test runs the task itself."""

    def __init__(self) -> None:
        self.tickets: list[str] = []

    def enqueue_run_query(self, ticket_id: str) -> None:
        self.tickets.append(ticket_id)


def test_rerun_after_crash_between_send_and_record_sends_once(settings, sandbox, redis_client):
    ctx = build_context(settings)
    ctx.queue = held = HeldQueue()
    form = phone_cards_person(sandbox)
    caller = Caller(PlatformUser("wechat", "sbx_exactly_once"), "127.0.0.1")
    codes.request_code(ctx, caller, form)
    queries.submit_query(ctx, caller, {**form, "code": sandbox.last_code(form["phone"])})
    (ticket,) = held.tickets
    sealed = redis_client.get(redis_keys.sealed_form(ticket))

    async def run_twice() -> None:
        async with aiohttp.ClientSession() as session:
            ctx.operators = ctx.platforms = build_partner_client(settings, session)
            assert await run_query(ctx, ticket) == "delivered"
            # The crash: the SMS went out, but the end was never recorded.
            redis_client.hset(redis_keys.ticket(ticket), "status", "processing")
            redis_client.set(redis_keys.sealed_form(ticket), sealed)
            assert await run_query(ctx, ticket) == "delivered"
            assert await run_query(ctx, ticket) is None  # recorded: nothing more to do

    asyncio.run(run_twice())
    templates = [m["template"] for m in sandbox.sms(form["phone"])]
    assert templates == ["code", "phone_cards_result"]


def test_duplicate_deliveries_to_the_worker_send_one_sms(client, sandbox, settings):
    form = phone_cards_person(sandbox)
    ticket, _ = run_via_api(client, sandbox, form)
    queue = DramatiqQueue(redis_broker(settings.redis_url))
    for _ in range(3):
        queue.enqueue_run_query(ticket)
    time.sleep(1.5)  # the worker takes each duplicate within milliseconds
    assert [m["template"] for m in sandbox.sms(form["phone"])] == ["code", "phone_cards_result"]
