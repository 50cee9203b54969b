"""Fixtures for integration tests: a real Redis, the sandbox, a real Dramatiq worker and, for the
tests that need one, a RabbitMQ node.

All are started here, on free ports, and stopped at the end. Every process logs to a file under
test-artifacts/logs/ so the privacy test can read everything that was written.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import redis as redis_lib
from werkzeug.serving import make_server

from app.config import ROOT, Settings
from app.runtime.embedded_redis import free_port, start_redis, wait_for_port
from app.runtime.logs import JsonFormatter
from tests import rabbitmq
from tests.processes import LOG_OFFSETS, LOGS, start_worker, stop
from tests.support import Sandbox


def pytest_configure() -> None:
    # Python hides DeprecationWarnings outside __main__, so the processes the tests start
    # (worker, sandbox, gunicorn, the make-run stack) would never show theirs: they print them
    # to their logs instead, where the scan finds them.
    os.environ.setdefault(
        "PYTHONWARNINGS", "default::DeprecationWarning,default::PendingDeprecationWarning"
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    LOG_OFFSETS.update({path.name: path.stat().st_size for path in LOGS.glob("*.log")})


@pytest.hookimpl(trylast=True)  # after any plugin that reorders: ours has the final word
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `last` (the privacy scan) run after every other collected test, in their
    own order, whatever paths pytest was given: they read what all the others left behind."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # a stable sort


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Redis + sandbox, and the environment every process of the stack runs with."""
    LOGS.mkdir(parents=True, exist_ok=True)
    base = tmp_path_factory.mktemp("stack")
    redis_port, sandbox_port, api_port = free_port(), free_port(), free_port()
    redis_proc = start_redis(redis_port, base / "redis", persistent=False)
    env = {
        **os.environ,
        "SANDBOX": "1",
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SANDBOX_PORT": str(sandbox_port),
        "SANDBOX_LATENCY_MS": "5",
        "SANDBOX_KEYS_DIR": str(base / "keys"),
        "PARTNER_TIMEOUT_S": "1.0",
        "PARTNER_ATTEMPTS": "2",
        "QUERY_DEADLINE_S": "6",
        "BREAKER_COOLDOWN_S": "3",
        "CODE_LIMIT_PER_IP_HOUR": "100000",
        "CODE_LIMIT_PER_USER_DAY": "1000",
        "LOGIN_LIMIT_PER_IP_MINUTE": "100000",  # every test logs in from 127.0.0.1
        "SMS_RETRY_WINDOW_S": "15",  # a throttled result is tried again for 15 s, not 30 min
        # a report to an operator that is down is tried again 0.5 s, 1 s, then every 2 s
        "REPORT_RETRY_FIRST_S": "0.5",
        "REPORT_RETRY_LONGEST_S": "2",
        # the sandbox operators answer reports at the API that api_server serves over HTTP
        "SANDBOX_BACKEND_URL": f"http://127.0.0.1:{api_port}",
        "TZ": "Asia/Shanghai",
    }
    with open(LOGS / "sandbox.log", "ab") as log:
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "sandbox"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    wait_for_port(sandbox_port, sandbox)
    yield env
    stop(sandbox)
    stop(redis_proc)


@pytest.fixture(scope="session")
def settings(stack_env: dict[str, str]) -> Settings:
    return Settings.from_env(stack_env)


@pytest.fixture(scope="session")
def worker(stack_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A real Dramatiq worker process on the test Redis."""
    process = start_worker(stack_env, "worker.log")
    yield process
    stop(process)


@pytest.fixture(scope="session")
def rabbitmq_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A RabbitMQ for the session, started on first use: our own node (tests/rabbitmq.py)."""
    with rabbitmq.broker(tmp_path_factory.mktemp("rabbitmq"), LOGS / "rabbitmq.log") as url:
        yield url


@pytest.fixture(scope="session")
def sandbox(settings: Settings) -> Sandbox:
    return Sandbox(settings.sandbox_url)


@pytest.fixture(scope="session")
def redis_client(settings: Settings) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(settings.redis_url)


@pytest.fixture(scope="session")
def flask_app(settings: Settings):
    from app import create_app

    app = create_app(settings)
    handler = logging.FileHandler(LOGS / "api.log", encoding="utf-8")
    handler.setFormatter(JsonFormatter("api"))
    logging.getLogger().addHandler(handler)
    return app


@pytest.fixture
def client(flask_app, worker):
    return flask_app.test_client()


@pytest.fixture(scope="session")
def api_server(flask_app, stack_env: dict[str, str]) -> Iterator[str]:
    """The app over real HTTP, where the sandbox operators send their signed answers."""
    url = stack_env["SANDBOX_BACKEND_URL"]
    server = make_server("127.0.0.1", int(url.rsplit(":", 1)[1]), flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-server", daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(10)


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").clear_faults()
        request.getfixturevalue("sandbox").frequency(False)  # per-number limits back off
