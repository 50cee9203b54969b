"""Partner micro-batching through the real path: tickets accepted by the use cases, run together
by RunQuery with the real PartnerClient over HTTP to the sandbox, whose traffic counters say
how many requests carried how many queries (GET /_sandbox/traffic)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from adapters.redis import keys as redis_keys
from app.config import Settings
from app.ports.identity import PlatformUser
from app.services.caller import Caller
from app.wiring import files
from app.wiring.api import build_api
from app.wiring.worker import build_run_query
from tests.integration.crash_replay import holding
from tests.integration.flows import accounts_person, login, phone_cards_person, request_code
from tests.integration.flows import submit as submit_via_api
from tests.processes import start_worker, stop
from tests.support import Sandbox

WINDOW_MS = 200.0  # wide, so the queries of a test always share their batches


def batching(settings: Settings) -> Settings:
    return replace(settings, partner_batch_window_ms=WINDOW_MS)


def accept_all(settings: Settings, sandbox: Sandbox, forms: list[dict[str, Any]]) -> list[str]:
    """Each form's query accepted through the use cases (each by its own user), tasks held."""
    api = build_api(settings)
    submit, held = holding(api)
    for i, form in enumerate(forms):
        caller = Caller(PlatformUser("wechat", f"sbx_batch_{time.time_ns()}_{i}"), "127.0.0.1")
        api.request_code(caller, form)
        submit(caller, {**form, "code": sandbox.last_code(form["phone"])})
    assert len(held.tickets) == len(forms)
    return held.tickets


def run_together(settings: Settings, tickets: list[str]) -> list[str | None]:
    """The tickets run at once in one process, as one worker's event loop runs them."""

    async def run() -> list[str | None]:
        async with aiohttp.ClientSession() as session:
            run_query, _ = build_run_query(settings, session)
            return list(await asyncio.gather(*(run_query(t) for t in tickets)))

    return asyncio.run(run())


def spent(before: dict[str, Any], after: dict[str, Any], partner: str) -> tuple[int, int]:
    """(requests, queries) the partner got between two readings of the traffic."""
    name, zero = f"partners/{partner}", {"requests": 0, "queries": 0}
    was, now = before.get(name, zero), after.get(name, zero)
    return now["requests"] - was["requests"], now["queries"] - was["queries"]


def result(sandbox: Sandbox, phone: str) -> dict[str, Any]:
    (message,) = [m for m in sandbox.sms(phone) if not m["template"].startswith("code_")]
    return message


@pytest.fixture
def clean_partners(sandbox: Sandbox, redis_client: Any, settings: Settings) -> Iterator[None]:
    """No fault and no breaker state left behind for the next test (the flapping partner of
    the load test may have opened its breaker), once the workers' 1 s breaker cache is past."""
    yield
    sandbox.clear_faults()
    redis_client.delete(redis_keys.breakers())
    for partner in files.registry(settings).partners:
        redis_client.delete(redis_keys.breaker_probe(partner.id))
    time.sleep(1.1)


def test_queries_in_flight_share_one_request_per_partner(settings, sandbox, clean_partners):
    forms = [phone_cards_person(sandbox) for _ in range(6)]
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 6
    after = sandbox.traffic()
    for operator in ("cmcc", "cucc", "ctcc", "cbn", "vno1"):
        assert spent(before, after, operator) == (1, 6), operator
    for form in forms:  # each answer went to its own query
        message = result(sandbox, form["phone"])
        assert message["template"] == "phone_cards_result"
        assert message["params"]["cmcc"] == "1" and message["params"]["cucc"] == "0"


def test_one_failing_query_fails_alone_and_is_retried_alone(settings, sandbox, clean_partners):
    # their numbers are at cucc: cmcc's failure is a partial answer, not an unverified number
    forms = [phone_cards_person(sandbox, operator="cucc") for _ in range(5)]
    failing = forms[2]["phone"]
    sandbox.fault("cmcc", "error", phones=[failing])
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 5
    # the batch of 5, then the failing query again on its own (PARTNER_ATTEMPTS=2 here)
    assert spent(before, sandbox.traffic(), "cmcc") == (2, 6)
    for form in forms:
        message = result(sandbox, form["phone"])
        assert message["params"]["cucc"] == "1"
        if form["phone"] == failing:
            assert message["template"] == "phone_cards_partial"
            assert message["params"]["cmcc"] == "-"
        else:
            assert message["template"] == "phone_cards_result"
            assert message["params"]["cmcc"] == "0"


def test_a_failed_batch_request_fails_only_its_own_partner_for_its_queries(
    settings, sandbox, clean_partners
):
    forms = [phone_cards_person(sandbox, operator="cucc") for _ in range(3)]
    sandbox.fault("vno1", "error")  # every request: 500
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 3
    after = sandbox.traffic()
    assert spent(before, after, "vno1") == (2, 6)  # the batch, then its retry as one batch
    assert spent(before, after, "cucc") == (1, 3)
    for form in forms:  # the other partners' answers in the same queries stand
        message = result(sandbox, form["phone"])
        assert message["template"] == "phone_cards_partial"
        assert message["params"]["mvno"] == "-" and message["params"]["cucc"] == "1"


def test_a_failed_batch_is_retried_query_by_query_in_a_later_batch(
    settings, sandbox, clean_partners
):
    forms = [phone_cards_person(sandbox, operator="cucc") for _ in range(3)]
    sandbox.fault("vno1", "flapping")  # the first request fails, the second answers
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 3
    assert spent(before, sandbox.traffic(), "vno1") == (2, 6)
    for form in forms:
        message = result(sandbox, form["phone"])
        assert message["template"] == "phone_cards_result"
        assert message["params"]["mvno"] == "0"


def test_a_partner_without_a_batch_endpoint_is_asked_one_query_at_a_time(
    settings, sandbox, clean_partners
):
    forms = [phone_cards_person(sandbox, operator="vno2") for _ in range(4)]
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 4
    after = sandbox.traffic()
    assert spent(before, after, "vno2") == (4, 4)  # no batch in the registry: one by one
    assert spent(before, after, "vno1") == (1, 4)
    for form in forms:
        assert result(sandbox, form["phone"])["params"]["mvno"] == "1"


def test_internet_accounts_batch_the_companies_too(settings, sandbox, clean_partners):
    forms = [accounts_person(sandbox, {"wechat": 1, "meituan": 2}) for _ in range(3)]
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    assert run_together(batching(settings), tickets) == ["delivered"] * 3
    after = sandbox.traffic()
    assert spent(before, after, "tencent") == (1, 3)
    assert spent(before, after, "meituan") == (3, 3)  # no batch endpoint
    for form in forms:
        message = result(sandbox, form["phone"])
        assert message["template"] == "internet_accounts_result"
        assert "微信1个" in message["text"] and "美团2个" in message["text"]


def test_the_breaker_counts_each_query_across_batches(
    settings, sandbox, redis_client, clean_partners
):
    sandbox.fault("cbn", "error")
    wide = batching(settings)
    for _ in range(2):  # two batches of 3 failed queries: 6 failures, past the threshold of 5
        forms = [phone_cards_person(sandbox) for _ in range(3)]
        run_together(wide, accept_all(settings, sandbox, forms))
    assert redis_client.hget(redis_keys.breakers(), "cbn:opened_at") is not None
    sandbox.clear_faults()
    time.sleep(1.1)  # the workers' breaker cache (1 s) sees the open breaker
    forms = [phone_cards_person(sandbox, operator="cucc") for _ in range(3)]
    tickets = accept_all(settings, sandbox, forms)
    before = sandbox.traffic()
    run_together(wide, tickets)
    assert spent(before, sandbox.traffic(), "cbn") == (0, 0)  # shed: not asked at all
    for form in forms:
        message = result(sandbox, form["phone"])
        assert message["template"] == "phone_cards_partial"
        assert message["params"]["cbn"] == "-" and message["params"]["cucc"] == "1"


def test_exactly_one_result_sms_per_ticket_under_load(
    client, sandbox, stack_env, worker, redis_client, clean_partners
):
    """60 queries through the API and two real worker processes, one partner flapping (every
    other request fails): each phone gets its code and exactly one result."""
    extra = start_worker(
        {**stack_env, "PARTNER_BATCH_WINDOW_MS": "20"}, "worker-batching.log", processes=2
    )
    try:
        sandbox.fault("ctcc", "flapping")
        forms = [phone_cards_person(sandbox) for _ in range(60)]
        before = sandbox.traffic()
        tokens = [login(client) for _ in range(3)]
        for i, form in enumerate(forms):
            token = tokens[i % 3]
            assert request_code(client, token, form).status_code == 202
            r = submit_via_api(client, token, form, sandbox.last_code(form["phone"]))
            assert r.status_code == 202, r.get_json()
        for form in forms:
            sandbox.wait_for_sms(form["phone"], 2, timeout_s=60)
        time.sleep(1.0)  # any duplicate would arrive now
        for form in forms:
            templates = [m["template"] for m in sandbox.sms(form["phone"])]
            assert templates[0] == "code_phone_cards" and len(templates) == 2, templates
            assert templates[1] in ("phone_cards_result", "phone_cards_partial")
        requests_sent, queries = spent(before, sandbox.traffic(), "cmcc")
        assert queries == 60 and requests_sent < queries  # they did share requests
    finally:
        stop(extra)
