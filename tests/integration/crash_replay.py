"""Running run_query in the test itself, and replaying a crash between "sent" and "recorded"."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import aiohttp

from adapters.clock import SystemClock
from adapters.redis import keys as redis_keys
from app.ports.identity import PlatformUser
from app.services.caller import Caller
from app.services.queries import SubmitQuery
from app.wiring.api import ApiServices
from app.wiring.state import build_state
from app.wiring.worker import build_run_query
from tests.integration.flows import phone_cards_person


class HeldQueue:
    """Holds the ticket instead of handing it to the worker, so the test runs the task itself."""

    def __init__(self) -> None:
        self.tickets: list[str] = []

    def enqueue_run_query(self, ticket_id: str) -> None:
        self.tickets.append(ticket_id)

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        raise AssertionError("no retry is scheduled in these tests")

    def depth(self) -> tuple[int, int]:
        return len(self.tickets), 0

    def enqueue_task(
        self, task: str, key: str, attempt: int = 0, token: str = "", delay_s: float = 0.0
    ) -> None:
        raise AssertionError("no report task is queued in these tests")


def holding(api: ApiServices) -> tuple[SubmitQuery, HeldQueue]:
    """The submit use case with its tasks held back: its own queue, and a code store that does
    not queue them itself (on the Redis broker, the redemption script would)."""
    held = HeldQueue()
    codes = build_state(api.settings, SystemClock()).codes
    return replace(api.submit_query, queue=held, codes=codes), held


def accept_held(api: ApiServices, sandbox: Any, user_id: str) -> tuple[str, dict[str, Any]]:
    """A phone_cards query accepted through the use cases, its task held back: (ticket, form)."""
    submit, held = holding(api)
    form = phone_cards_person(sandbox)
    caller = Caller(PlatformUser("wechat", user_id), "127.0.0.1")
    api.request_code(caller, form)
    submit(caller, {**form, "code": sandbox.last_code(form["phone"])})
    (ticket,) = held.tickets
    return ticket, form


def run_then_replay_crash(settings: Any, ticket: str, redis_client: Any) -> None:
    """Run the task; then put back the state of a crash after the SMS went out but before the
    end was recorded (status processing, form present), and run it again, and once more."""
    sealed = redis_client.get(redis_keys.sealed_form(ticket))

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            run_query, _ = build_run_query(settings, session)
            assert await run_query(ticket) == "delivered"
            redis_client.hset(redis_keys.ticket(ticket), "status", "processing")
            redis_client.set(redis_keys.sealed_form(ticket), sealed)
            assert await run_query(ticket) == "delivered"
            assert await run_query(ticket) is None  # recorded: nothing more to do

    asyncio.run(run())
