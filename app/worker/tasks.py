"""The task-queue entry point (`dramatiq app.worker.tasks`): thin, each task calls one use case.

run_query is an async actor: the AsyncIO middleware runs one event loop per worker process,
and all its queries share one aiohttp.ClientSession, so a query costs about its slowest partner.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import dramatiq
import uvloop
from dramatiq.middleware import AsyncIO

from adapters.redis import connect
from adapters.redis.liveness import RedisLiveness
from adapters.task_queue import QUEUE, RUN_QUERY, build_broker
from app.config import Settings
from app.ports.runtime import FORWARD_REPORT, REPORT_SMS
from app.runtime import heap, logs
from app.runtime.sentry import init_sentry
from app.services.delivery import Run
from app.services.forward_report import ForwardReport
from app.services.report_sms import SendReportSms
from app.services.run_query import RunQuery
from app.wiring.worker import build_report_cases, build_run_query
from app.worker.heartbeat import Heartbeat

# uvloop (libuv) for the worker's event loop: the partner fan-out is mostly event-loop and
# transport work, which it does in C. Set before the AsyncIO middleware makes its loop.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
settings = Settings.from_env()
logs.configure("worker")
init_sentry(settings, "worker")  # before the broker: the integration hooks Broker.__init__
broker = build_broker(settings.redis_url, settings.broker_url)
broker.add_middleware(AsyncIO())
broker.add_middleware(Heartbeat(RedisLiveness(connect(settings.redis_url, 2.0))))
dramatiq.set_broker(broker)
_run_query: RunQuery | None = None
_reports: tuple[ForwardReport, SendReportSms] | None = None


async def run_query_case() -> RunQuery:
    """Built once per process, inside the event loop that owns the aiohttp session."""
    global _run_query, _reports
    if _run_query is None:
        # Partners set no cookies we need: skip the cookie jar's work on every call.
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512), cookie_jar=aiohttp.DummyCookieJar()
        )
        _run_query, state = build_run_query(settings, session)
        _reports = build_report_cases(settings, _run_query, state)
        heap.settle()  # what exists now lives as long as the process (app/runtime/heap.py)
    return _run_query


async def report_cases() -> tuple[ForwardReport, SendReportSms]:
    await run_query_case()
    assert _reports is not None
    return _reports


# every task: the one queue, Dramatiq's retries of an unexpected failure, a time limit
TASK_OPTIONS: dict[str, Any] = {
    "queue_name": QUEUE,
    "max_retries": 8,
    "min_backoff": 1_000,
    "max_backoff": 60_000,
    "time_limit": 180_000,
}


@dramatiq.actor(
    actor_name=RUN_QUERY,
    **TASK_OPTIONS,
)
async def run_query(
    ticket_id: str, request_id: str = "-", attempt: int = 0, token: str = ""
) -> None:
    """attempt and token: a scheduled retry of a throttled result SMS (app/services/delivery.py)."""
    logs.request_id.set(request_id)  # the API request that accepted the query: one trail
    await (await run_query_case())(ticket_id, Run(attempt, token))


@dramatiq.actor(
    actor_name=FORWARD_REPORT,
    **TASK_OPTIONS,
)
async def forward_report(
    report_id: str, request_id: str = "-", attempt: int = 0, token: str = ""
) -> None:
    """A 非本人 report to its operators; attempt: the retry chain while an operator is down."""
    logs.request_id.set(request_id)
    forward, _ = await report_cases()
    await forward(report_id, attempt)


@dramatiq.actor(
    actor_name=REPORT_SMS,
    **TASK_OPTIONS,
)
async def report_sms(
    message: str, request_id: str = "-", attempt: int = 0, token: str = ""
) -> None:
    """An operator's answer to tell the user, or a throttled report SMS's retry."""
    logs.request_id.set(request_id)
    _, send = await report_cases()
    await send(message, Run(attempt, token))
