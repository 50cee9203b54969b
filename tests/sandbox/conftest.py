"""A real sandbox on a free port, in a thread with its own event loop, plus request helpers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from aiohttp import web

from adapters import partner_signing
from sandbox import SandboxSettings, create_app
from sandbox.accesslog import runner_kwargs

T = TypeVar("T")


class LiveSandbox:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.base_url = ""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app, **runner_kwargs())
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        host, port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "sandbox did not start"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def call(self, fn: Callable[[], T]) -> T:
        """Run fn on the server's loop: the sandbox state belongs to that thread."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-keys")


@pytest.fixture(scope="session")
def sandbox_settings(keys_dir: Path) -> SandboxSettings:
    return SandboxSettings(latency_ms=0, keys_dir=keys_dir)


@pytest.fixture(scope="session")
def live_server(sandbox_settings: SandboxSettings) -> Iterator[LiveSandbox]:
    server = LiveSandbox(create_app(sandbox_settings))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(live_server: LiveSandbox) -> LiveSandbox:
    """The live sandbox, reset for this test."""
    assert requests.post(live_server.url("/_sandbox/reset"), timeout=5).status_code == 204
    return live_server


def partner_secret(partner: str) -> bytes:
    return f"sandbox-secret-{partner}".encode()


def signed_post(
    server: LiveSandbox,
    path: str,
    body: Any,
    secret: bytes,
    *,
    now: float | None = None,
    timeout: float = 5,
) -> requests.Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = partner_signing.signed_headers("yzt", secret, "POST", path, raw, now=now)
    return requests.post(server.url(path), data=raw, headers=headers, timeout=timeout)


def partner_post(server: LiveSandbox, partner: str, op: str, body: Any) -> requests.Response:
    path = f"/partners/{partner}/v1/{op}"
    return signed_post(server, path, body, partner_secret(partner))


def put_person(server: LiveSandbox, id_number: str, name: str, cards: list[tuple]) -> None:
    cards_json = [{"operator": o, "phone": p, "status": s} for o, p, s in cards]
    body: dict[str, Any] = {"name": name, "cards": cards_json}
    response = requests.put(server.url(f"/_sandbox/people/{id_number}"), json=body, timeout=5)
    assert response.status_code == 204, response.text


def set_fault(server: LiveSandbox, partner: str, mode: str, latency_ms: int = 0) -> None:
    body: dict[str, Any] = {"mode": mode, "latency_ms": latency_ms}
    response = requests.put(server.url(f"/_sandbox/faults/{partner}"), json=body, timeout=5)
    assert response.status_code == 204, response.text
