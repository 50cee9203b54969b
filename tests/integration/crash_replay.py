"""Running run_query in the test itself, and replaying a crash between "sent" and "recorded"."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from adapters import redis_keys
from app.bootstrap import build_partner_client
from app.ports import PlatformUser
from app.services import codes, queries
from app.services.context import Caller, Context
from app.services.run_query import run_query
from tests.integration.flows import phone_cards_person


class HeldQueue:
    """Holds the ticket instead of handing it to the worker, so the test runs the task itself."""

    def __init__(self) -> None:
        self.tickets: list[str] = []

    def enqueue_run_query(self, ticket_id: str) -> None:
        self.tickets.append(ticket_id)

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        raise AssertionError("no retry is scheduled in these tests")


def accept_held(ctx: Context, sandbox: Any, user_id: str) -> tuple[str, dict[str, Any]]:
    """A phone_cards query accepted through the use cases, its task held back: (ticket, form)."""
    ctx.queue = held = HeldQueue()
    form = phone_cards_person(sandbox)
    caller = Caller(PlatformUser("wechat", user_id), "127.0.0.1")
    codes.request_code(ctx, caller, form)
    queries.submit_query(ctx, caller, {**form, "code": sandbox.last_code(form["phone"])})
    (ticket,) = held.tickets
    return ticket, form


def run_then_replay_crash(ctx: Context, settings: Any, ticket: str, redis_client: Any) -> None:
    """Run the task; then put back the state of a crash after the SMS went out but before the
    end was recorded (status processing, form present), and run it again, and once more."""
    sealed = redis_client.get(redis_keys.sealed_form(ticket))

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            ctx.operators = ctx.platforms = build_partner_client(settings, session)
            assert await run_query(ctx, ticket) == "delivered"
            redis_client.hset(redis_keys.ticket(ticket), "status", "processing")
            redis_client.set(redis_keys.sealed_form(ticket), sealed)
            assert await run_query(ctx, ticket) == "delivered"
            assert await run_query(ctx, ticket) is None  # recorded: nothing more to do

    asyncio.run(run())
