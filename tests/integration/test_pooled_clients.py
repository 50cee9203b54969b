"""The API's blocking calls (the code SMS, the platform logins) go through one pooled keep-alive
client per process: the sandbox counts the client connections each partner saw
(GET /_sandbox/traffic). A private sandbox, so no other test's traffic is counted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
import requests

from adapters import http_pool
from adapters.http_pool import NoAnswer, PooledHttp, Unreached
from app.config import ROOT, Settings
from app.runtime.embedded_redis import free_port, wait_for_port
from app.wiring import files, outside
from tests.processes import LOGS, stop
from tests.support import make_phone

CODE = {"code": "482913"}


@pytest.fixture(scope="module")
def private(stack_env: dict[str, str]) -> Iterator[tuple[Settings, str]]:
    """A sandbox of our own (same keys), and settings that point every partner at it."""
    port = free_port()
    env = {**stack_env, "SANDBOX_PORT": str(port)}
    with open(LOGS / "sandbox-pooled.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    wait_for_port(port, process)
    yield Settings.from_env(env), f"http://127.0.0.1:{port}"
    stop(process)


def traffic(url: str) -> dict[str, dict[str, int]]:
    answer = requests.get(f"{url}/_sandbox/traffic", timeout=5)
    assert answer.status_code == 200
    partners: dict[str, dict[str, int]] = answer.json()["partners"]
    return partners


def sent(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], name: str) -> Any:
    """What one partner got between two readings: (requests, new connections)."""
    zero = {"requests": 0, "connections": 0}
    was, now = before.get(name, zero), after.get(name, zero)
    return now["requests"] - was["requests"], now["connections"] - was["connections"]


@pytest.mark.parametrize("provider", ["sandbox", "aliyun", "tencent"])
def test_code_sms_from_one_process_share_one_connection(private, provider):
    settings, url = private
    changed = replace(settings, sms_provider=provider)
    gateway = outside.sms_gateway(changed, files.templates(changed))
    before = traffic(url)
    for i in range(5):
        assert gateway.send(make_phone(), "code_phone_cards", CODE, f"pooled-{provider}-{i}")
    assert sent(before, traffic(url), "sms") == (5, 1)


def test_logins_from_one_process_share_one_connection_per_platform(private):
    settings, url = private
    identity = outside.identity(settings)
    before = traffic(url)
    for i in range(4):
        assert identity.login("wechat", f"pooled-w{i}").user_id
        assert identity.login("alipay", f"pooled-a{i}").user_id
        assert identity.login("wechat_oa", f"pooled-o{i}").user_id
    after = traffic(url)
    # jscode2session and the web OAuth are both WeChat's: one host, one connection
    assert sent(before, after, "wechat") == (8, 1)
    assert sent(before, after, "alipay") == (4, 1)


def test_concurrent_logins_take_at_most_one_connection_per_thread(private):
    settings, url = private
    identity = outside.identity(settings)
    before = traffic(url)
    with ThreadPoolExecutor(8) as threads:
        users = list(threads.map(lambda i: identity.login("wechat", f"many-{i}"), range(80)))
    requests_sent, connections = sent(before, traffic(url), "wechat")
    assert len({user.user_id for user in users}) == 80 and requests_sent == 80
    assert 1 <= connections <= 8


def test_a_forked_process_makes_its_own_pool():
    inherited = http_pool.process_pool()
    child = os.fork()
    if child == 0:  # the child: exit 0 only if it did not reuse the parent's connections
        os._exit(0 if http_pool.process_pool() is not inherited else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert http_pool.process_pool() is inherited


def test_a_closed_port_is_unreached():
    port = free_port()  # nothing listens there
    with pytest.raises(Unreached):
        PooledHttp(1.0).request("GET", f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize("behaviour", ["silent", "hang_up"])
def test_a_server_that_never_answers_is_no_answer(behaviour):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        connection, _ = server.accept()
        connection.recv(4096)
        if behaviour == "hang_up":
            connection.close()
        else:
            threading.Event().wait(2)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(NoAnswer):
            PooledHttp(0.5).request("POST", f"http://127.0.0.1:{port}/", body=b"{}")
    finally:
        server.close()
        thread.join(5)
