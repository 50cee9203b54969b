"""A throttled result SMS through the real worker, the real Redis and the sandbox's gateways:
it waits and is tried again with backoff while the ticket stays processing; it goes out once
the gateway takes it, and fails with the quota back once SMS_RETRY_WINDOW_S is over (15 s in
the test stack). Positive signals only: the gateway's record of refused messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.runtime.embedded_redis import free_port, start_redis
from tests.integration.flows import (
    auth,
    login,
    phone_cards_person,
    request_code,
    submit,
    wait_status,
)
from tests.processes import start_worker, stop
from tests.support import Sandbox


def status_of(client: Any, token: str, ticket: str) -> str:
    return str(client.get(f"/api/v1/queries/{ticket}", headers=auth(token)).get_json()["status"])


def wait_refusals(sandbox: Sandbox, phone: str, count: int, timeout_s: float) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        refusals = sandbox.refusals(phone)
        if len(refusals) >= count:
            return refusals
        time.sleep(0.1)
    raise AssertionError(f"expected {count} refusals, got {len(sandbox.refusals(phone))}")


def accept(client: Any, sandbox: Sandbox) -> tuple[str, dict[str, Any]]:
    """A user whose code SMS went out: (token, form)."""
    form, token = phone_cards_person(sandbox), login(client)
    assert request_code(client, token, form).status_code == 202
    return token, form


def test_a_throttled_result_sms_waits_and_goes_out_once_the_gateway_takes_it(client, sandbox):
    token, form = accept(client, sandbox)
    code = sandbox.last_code(form["phone"])
    sandbox.fault("sms", "limit")  # the gateway throttles every message from now on
    ticket = submit(client, token, form, code).get_json()["ticket"]
    wait_refusals(sandbox, form["phone"], 3, timeout_s=20)  # tried at about 0, 1 and 3 s
    assert status_of(client, token, ticket) == "processing"  # not failed: it waits
    sandbox.clear_faults()
    result = sandbox.wait_for_sms(form["phone"], 2, timeout_s=30)[-1]
    assert result["template"] == "phone_cards_result"
    wait_status(client, token, ticket, "delivered")
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]


def test_after_the_retry_window_the_ticket_fails_and_the_quota_comes_back(client, sandbox):
    token, form = accept(client, sandbox)
    code = sandbox.last_code(form["phone"])
    sandbox.fault("sms", "limit")
    ticket = submit(client, token, form, code).get_json()["ticket"]
    wait_status(client, token, ticket, "failed", timeout_s=40)
    refusals = sandbox.refusals(form["phone"])
    stamps = [datetime.fromisoformat(r["at"]) for r in refusals]
    # tried again and again across the window: not four tries within three seconds
    assert len(refusals) >= 5 and (stamps[-1] - stamps[0]).total_seconds() >= 10
    sandbox.clear_faults()
    assert request_code(client, token, form).status_code == 202  # the quota came back


@pytest.fixture
def tencent_stack(stack_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """A Redis and a worker of their own that send through the Tencent Cloud SDK."""
    port = free_port()
    redis_process = start_redis(port, tmp_path / "redis", persistent=False)
    env = {
        **stack_env,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "SMS_PROVIDER": "tencent",
        "SMS_RETRY_WINDOW_S": "120",
    }
    worker = start_worker(env, "worker-tencent.log", threads=2)
    yield env
    stop(worker)
    stop(redis_process)


def test_tencents_two_a_day_throttles_the_result_until_the_policy_is_raised(tencent_stack, sandbox):
    """Tencent's default policy allows 2 messages a day to a number (the sandbox: 1 here, so
    the code uses it up); raising the policy, as README says how, lets the waiting result out."""
    from app import create_app

    client = create_app(Settings.from_env(tencent_stack)).test_client()
    sandbox.frequency(True, tencent_daily=1)
    token, form = accept(client, sandbox)
    ticket = submit(client, token, form, sandbox.last_code(form["phone"])).get_json()["ticket"]
    refusals = wait_refusals(sandbox, form["phone"], 2, timeout_s=30)
    assert {r["code"] for r in refusals} == {"tencent.daily"}
    assert status_of(client, token, ticket) == "processing"
    sandbox.frequency(True, tencent_daily=10)
    result = sandbox.wait_for_sms(form["phone"], 2, timeout_s=30)[-1]
    assert result["template"] == "phone_cards_result"
    wait_status(client, token, ticket, "delivered")
    assert len(sandbox.sms(form["phone"])) == 2
