"""The task-queue entry point (`dramatiq app.tasks`): thin, each task calls one use case.

run_query is an async actor: the AsyncIO middleware runs one event loop per worker process,
and all its queries share one aiohttp.ClientSession, so a query costs about its slowest partner.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import aiohttp
import dramatiq
import uvloop
from dramatiq.middleware import AsyncIO, Middleware

from adapters import redis_keys
from adapters.redis_store import connect
from adapters.task_queue import QUEUE, RUN_QUERY, build_broker
from app import heap, logs
from app.bootstrap import build_context, build_partner_client
from app.config import Settings
from app.sentry import init_sentry
from app.services import run_query as run_query_case
from app.services.context import Context
from app.services.delivery import Run

HEARTBEAT_EVERY_S = 5
HEARTBEAT_TTL_S = 20


class Heartbeat(Middleware):
    """Tells /readyz that a worker is alive: a key refreshed every few seconds."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        threading.Thread(target=self._beat, name="yzt-heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stop.set()

    def _beat(self) -> None:
        client = connect(self.redis_url, 2.0)
        while not self.stop.is_set():
            # Redis down: /readyz reports it by itself, nothing to do here
            with contextlib.suppress(Exception):
                client.set(redis_keys.worker_heartbeat(), "1", ex=HEARTBEAT_TTL_S)
            self.stop.wait(HEARTBEAT_EVERY_S)


# uvloop (libuv) for the worker's event loop: the partner fan-out is mostly event-loop and
# transport work, which it does in C. Set before the AsyncIO middleware makes its loop.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
settings = Settings.from_env()
logs.configure("worker")
init_sentry(settings, "worker")  # before the broker: the integration hooks Broker.__init__
broker = build_broker(settings.redis_url, settings.broker_url)
broker.add_middleware(AsyncIO())
broker.add_middleware(Heartbeat(settings.redis_url))
dramatiq.set_broker(broker)
_context: Context | None = None


async def worker_context() -> Context:
    """Built once per process, inside the event loop that owns the aiohttp session."""
    global _context
    if _context is None:
        ctx = build_context(settings)
        # Partners set no cookies we need: skip the cookie jar's work on every call.
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512), cookie_jar=aiohttp.DummyCookieJar()
        )
        ctx.operators = ctx.platforms = build_partner_client(settings, session)
        _context = ctx
        heap.settle()  # what exists now lives as long as the process (app/heap.py)
    return _context


@dramatiq.actor(
    actor_name=RUN_QUERY,
    queue_name=QUEUE,
    max_retries=8,
    min_backoff=1_000,
    max_backoff=60_000,
    time_limit=180_000,
)
async def run_query(
    ticket_id: str, request_id: str = "-", attempt: int = 0, token: str = ""
) -> None:
    """attempt and token: a scheduled retry of a throttled result SMS (app/services/delivery.py)."""
    logs.request_id.set(request_id)  # the API request that accepted the query: one trail
    run = Run(attempt, token)
    await run_query_case.run_query(await worker_context(), ticket_id, run)
