"""A live API server and Debian's chromium driven by playwright, for the H5 pages.

The Flask app runs in a thread (werkzeug's make_server) on a free port, beside the session's
Redis, sandbox and real Dramatiq worker. Its WeChat web OAuth points at the sandbox through
`localhost`, while the pages live on `127.0.0.1`: the login redirect chain crosses sites as it
does with WeChat's real authorize page, so the SameSite cookies are tested for real.

Chromium or playwright missing is a failure with the command that fixes it, never a skip.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app.config import Settings
from app.runtime.embedded_redis import free_port
from tests.processes import ARTIFACTS

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
# A phone in WeChat: the pages are built for this first.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.50"
    ),
}


@pytest.fixture(scope="session")
def live_settings(settings: Settings) -> Settings:
    port = free_port()
    return dataclasses.replace(
        settings,
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        wechat_oauth_base=f"http://localhost:{settings.sandbox_port}",
    )


@pytest.fixture(scope="session")
def live_server(live_settings: Settings, flask_app: Any, worker: Any) -> Iterator[str]:
    """The whole app over real HTTP; flask_app's log handler writes its logs to api.log."""
    from app import create_app

    app = create_app(live_settings)
    server = make_server("127.0.0.1", live_settings.port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield live_settings.public_url
    server.shutdown()
    thread.join(10)


# Package scope: playwright's sync API keeps an event loop running in this thread while it is
# open, and tests elsewhere call asyncio.run(). It is closed when the browser tests are done.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"chromium is missing at {CHROMIUM}: install it with "
            "`apt-get update && apt-get install -y chromium fonts-wqy-microhei`"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: `.venv/bin/pip install -r requirements-dev.txt`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh phone browser: no cookies, no localStorage. CSP violations fail the test."""
    context = browser.new_context(**PHONE, base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: violations.append(f"script error: {error}"))
    yield page
    context.close()
    assert violations == [], violations


def screenshot(page: Any, name: str) -> Path:
    """What people see, kept as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
