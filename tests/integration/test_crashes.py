"""Crashes: a worker SIGKILLed in the middle of run_query, and Redis restarted under the API.

These run on a Redis of their own (with AOF, as `make run` has it) and workers of their own,
so killing them does not disturb the rest of the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis as redis_lib

from app.config import Settings
from app.runtime.embedded_redis import free_port, start_redis
from tests.broker_state import wait_until_worker_done
from tests.integration.flows import auth, login, phone_cards_person, request_code, submit
from tests.processes import start_worker, stop


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    process = start_redis(port, tmp_path / "redis", persistent=True)
    yield port, tmp_path / "redis"
    stop(process)


def start_crashable_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    # a session of its own, so the test can SIGKILL the worker and its children together
    return start_worker(env, "worker-crash.log", threads=2, new_session=True)


def wait_status(client, token: str, ticket: str, status: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (
            client.get(f"/api/v1/queries/{ticket}", headers=auth(token)).get_json()["status"]
            == status
        ):
            return
        time.sleep(0.1)
    raise AssertionError(f"ticket never reached {status}")


def test_worker_killed_mid_query_is_redelivered_and_sends_one_sms(stack_env, own_redis, sandbox):
    from app import create_app

    port, _ = own_redis
    env = {
        **stack_env,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "PARTNER_TIMEOUT_S": "10",
        "QUERY_DEADLINE_S": "20",
    }
    client = create_app(Settings.from_env(env)).test_client()
    first = start_crashable_worker(env)
    form = phone_cards_person(sandbox)
    sandbox.fault("cmcc", "slow", latency_ms=4000)
    token = login(client)
    assert request_code(client, token, form).status_code == 202
    ticket = submit(client, token, form, sandbox.last_code(form["phone"])).get_json()["ticket"]
    second = None
    try:
        wait_status(client, token, ticket, "processing", timeout_s=20)
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its children, mid-query
        first.wait(10)
        sandbox.clear_faults()
        assert [m["template"] for m in sandbox.sms(form["phone"])] == ["code_phone_cards"]
        second = start_crashable_worker(env)
        result = sandbox.wait_for_sms(form["phone"], 2, timeout_s=90)[-1]
        assert result["template"] == "phone_cards_result"
        wait_status(client, token, ticket, "delivered", timeout_s=10)
        # the redelivered task acked: nothing for the ticket is left to run and send again
        wait_until_worker_done(redis_lib.Redis(port=port), ticket)
        assert len(sandbox.sms(form["phone"])) == 2  # exactly one result SMS
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def test_redis_restart_gives_503_then_recovers_and_keeps_its_data(stack_env, own_redis, sandbox):
    from app import create_app

    port, data_dir = own_redis
    settings = replace(
        Settings.from_env(stack_env), redis_url=f"redis://127.0.0.1:{port}/0", redis_timeout_s=1.0
    )
    client = create_app(settings).test_client()
    token = login(client)
    form = phone_cards_person(sandbox)
    assert request_code(client, token, form).status_code == 202  # the code lives in Redis
    code = sandbox.last_code(form["phone"])
    time.sleep(1.2)  # appendfsync everysec: a write older than a second is on disk
    subprocess.run(["pkill", "-KILL", "-f", f"redis-server 127.0.0.1:{port}"], check=False)
    time.sleep(0.2)
    start = time.monotonic()
    down = client.post(
        "/api/v1/verification-codes", headers=auth(token), json=phone_cards_person(sandbox)
    )
    assert time.monotonic() - start < 5
    assert down.status_code == 503 and down.get_json()["error"]["code"] == "unavailable"
    assert client.get("/readyz").status_code == 503
    restarted = start_redis(port, data_dir, persistent=True)
    try:
        # the code issued before the crash survived (AOF), and the API recovered by itself
        r = submit(client, token, form, code)
        assert r.status_code == 202, r.get_json()
    finally:
        stop(restarted)
