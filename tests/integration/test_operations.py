"""Operator-facing behaviour: the audit stream and its CLI, and client IPs behind a proxy."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace

from tests.integration.flows import accounts_person, login, request_code, run_query
from tests.processes import LOGS


def test_audit_tail_shows_outcomes_with_hashed_identifiers_only(flask_app, client, sandbox):
    form = accounts_person(sandbox, {"wechat": 2})
    ticket, _ = run_query(client, sandbox, form)
    result = flask_app.test_cli_runner().invoke(args=["audit", "tail", "-n", "50"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    (event,) = [e for e in events if e.get("ticket") == ticket]  # admin calls are audited too
    assert event["service"] == "internet_accounts" and event["outcome"] == "result"
    assert len(event["phone_h"]) == 24 and set(json.loads(event["timings_ms"])) >= {"tencent"}
    assert form["phone"] not in result.output and form["id_last6"] not in result.output
    assert "2" not in {v for k, v in event.items() if k not in ("timings_ms", "duration_ms", "id")}


def test_behind_a_trusted_proxy_the_ip_limit_applies_to_the_forwarded_client(
    settings, worker, sandbox
):
    from app import create_app

    tight = replace(settings, code_limit_per_ip_hour=2)
    behind_proxy = create_app(replace(tight, trusted_proxy_count=1)).test_client()
    direct = create_app(tight).test_client()
    first, second = (f"203.0.113.{random.randint(1, 254)}" for _ in range(2))

    def ask(client, client_ip):
        token = login(client)
        return request_code(
            client,
            token,
            accounts_person(sandbox, {}),
            environ_base={
                "REMOTE_ADDR": f"10.0.{random.randint(0, 255)}.1",
                "HTTP_X_FORWARDED_FOR": client_ip,
            },
        ).status_code

    assert [ask(behind_proxy, first) for _ in range(3)] == [202, 202, 429]
    assert ask(behind_proxy, second) == 202  # another client behind the same proxy
    # Without a trusted proxy the header is ignored: a forged one buys nothing.
    proxy_ip = f"10.1.{random.randint(0, 255)}.1"
    statuses = [
        request_code(
            direct,
            login(direct),
            accounts_person(sandbox, {}),
            environ_base={"REMOTE_ADDR": proxy_ip, "HTTP_X_FORWARDED_FOR": f"198.51.100.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert statuses == [202, 202, 429]


def test_partners_check_pings_every_partner_and_names_the_broken_one(flask_app, sandbox):
    sandbox.fault("jd", "error")
    result = flask_app.test_cli_runner().invoke(args=["partners", "check"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert len(lines) == len(flask_app.extensions["yzt"].catalogue.registry.partners) == 14
    (jd,) = [line for line in lines if line.startswith("jd ")]
    assert "FAILED" in jd
    assert all(" ok " in line for line in lines if not line.startswith("jd "))
    sandbox.clear_faults()
    assert flask_app.test_cli_runner().invoke(args=["partners", "check"]).exit_code == 0


def test_the_request_id_follows_the_query_into_the_worker(client, sandbox):
    form = accounts_person(sandbox, {})
    token = login(client)
    request_code(client, token, form)
    request_id = f"trail{random.randint(10**9, 10**10)}"
    r = client.post(
        "/api/v1/queries",
        json={**form, "code": sandbox.last_code(form["phone"])},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": request_id},
    )
    assert r.status_code == 202 and r.headers["X-Request-Id"] == request_id
    ticket = r.get_json()["ticket"]
    sandbox.wait_for_sms(form["phone"], 2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [
            json.loads(line)
            for line in (LOGS / "worker.log").read_text().splitlines()
            if line.startswith("{") and ticket in line
        ]
        if any(line.get("msg") == "query finished" for line in lines):
            break
        time.sleep(0.1)
    finished = [line for line in lines if line.get("msg") == "query finished"]
    assert finished and finished[0]["request_id"] == request_id


def test_metrics_answer_only_the_scrapers_token(flask_app, settings):
    client = flask_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
    scraper = {"Authorization": f"Bearer {settings.metrics_token}"}
    answer = client.get("/metrics", headers=scraper)
    assert answer.status_code == 200 and b"yzt_http_requests_total" in answer.data


def test_metrics_do_not_exist_without_a_token(settings, worker):
    from app import create_app

    client = create_app(replace(settings, metrics_token="")).test_client()
    assert client.get("/metrics").status_code == 404
