"""`python -m sandbox`: serve the sandbox on 127.0.0.1:$SANDBOX_PORT until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging

import uvloop
from aiohttp import web

from app.runtime import heap
from sandbox import create_app
from sandbox.accesslog import LOGGER_NAME, configure_logging, runner_kwargs
from sandbox.settings import SandboxSettings


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # the emulated partners, in C
    configure_logging()
    settings = SandboxSettings.from_env()
    app = create_app(settings)
    heap.settle()  # as our own processes do (app/heap.py): the emulator shares their cores
    logging.getLogger(LOGGER_NAME).info("sandbox listening on 127.0.0.1:%d", settings.port)
    web.run_app(
        app,
        host="127.0.0.1",
        port=settings.port,
        print=None,
        shutdown_timeout=2.0,  # hanging "timeout" faults are woken on shutdown anyway
        handler_cancellation=True,  # a client that gives up cancels its handler
        **(runner_kwargs() if settings.access_log else {"access_log": None}),
    )


if __name__ == "__main__":
    main()
