"""Every refusal api.md gives a report, and no new oracle: a report's answers are the same
whatever the query's outcome, and nobody can report against someone else's ID."""

from __future__ import annotations

import time
from typing import Any

import pytest

from adapters.redis import keys
from tests.broker_state import wait_until_worker_done
from tests.integration.flows import (
    accounts_person,
    auth,
    login,
    phone_cards_person,
    report,
    request_code,
    run_query,
    sms_of,
    submit,
    wait_report,
    wait_sms_of,
    wait_status,
)
from tests.support import Sandbox, make_name


def _error(r: Any) -> tuple[int, str]:
    return r.status_code, r.get_json()["error"]["code"]


@pytest.fixture
def delivered(client, sandbox) -> tuple[str, str, dict[str, Any]]:
    """(token, ticket, form) of a delivered 移动电话卡 query that ended `result`."""
    form = phone_cards_person(sandbox)
    token = login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    return token, ticket, form


def test_another_users_or_an_unknown_ticket_is_not_found(client, delivered):
    _, ticket, _ = delivered
    stranger = login(client)
    assert _error(report(client, stranger, ticket, ["cmcc"])) == (404, "not_found")
    assert _error(report(client, stranger, "nope" + ticket, ["cmcc"])) == (404, "not_found")
    assert client.get("/api/v1/queries", headers=auth(stranger)).get_json() == {"queries": []}


def test_another_users_report_is_not_found(client, delivered):
    token, ticket, _ = delivered
    report_id = report(client, token, ticket, ["cmcc"]).get_json()["report"]
    assert client.get(f"/api/v1/reports/{report_id}", headers=auth(token)).status_code == 200
    stranger = login(client)
    r = client.get(f"/api/v1/reports/{report_id}", headers=auth(stranger))
    assert _error(r) == (404, "not_found")
    unknown = report_id[:4] + "a" * 26  # well formed, never made
    assert _error(client.get(f"/api/v1/reports/{unknown}", headers=auth(token))) == (
        404,
        "not_found",
    )
    assert _error(client.get(f"/api/v1/reports/{report_id}")) == (401, "unauthenticated")


def test_a_second_report_from_one_ticket_is_refused(client, delivered):
    token, ticket, _ = delivered
    assert report(client, token, ticket, ["cmcc"]).status_code == 202
    assert _error(report(client, token, ticket, ["cucc"])) == (409, "already_reported")


def test_an_internet_accounts_ticket_is_not_reportable(client, sandbox):
    form = accounts_person(sandbox, {"wechat": 1})
    token = login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    assert _error(report(client, token, ticket, ["cmcc"])) == (409, "not_reportable")
    listed = client.get("/api/v1/queries", headers=auth(token)).get_json()["queries"]
    assert [(q["service"], q["reportable"]) for q in listed] == [("internet_accounts", False)]


def test_a_ticket_not_yet_delivered_is_not_reportable(client, sandbox):
    form = phone_cards_person(sandbox)
    token = login(client)
    sandbox.fault("cucc", "slow", latency_ms=800)  # the query takes a while
    assert request_code(client, token, form).status_code == 202
    ticket = submit(client, token, form, sandbox.last_code(form["phone"])).get_json()["ticket"]
    assert _error(report(client, token, ticket, ["cmcc"])) == (409, "not_reportable")
    wait_status(client, token, ticket, "delivered")
    assert report(client, token, ticket, ["cmcc"]).status_code == 202


def test_a_ticket_seven_days_old_is_not_reportable(client, delivered, redis_client):
    token, ticket, _ = delivered
    redis_client.hset(keys.ticket(ticket), "created_at", time.time() - 7 * 86400 - 1)
    assert _error(report(client, token, ticket, ["cmcc"])) == (409, "not_reportable")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"operators": []},
        {"operators": ["cmcc", "cmcc"]},
        {"operators": ["vno1"]},
        {"operators": ["cmcc", "cucc", "ctcc", "cbn", "mvno", "cmcc"]},
        {"operators": "cmcc"},
        {"operators": ["cmcc"], "keep": ["123"]},
        {"operators": ["cmcc"], "keep": ["１２٣4"]},
        {"operators": ["cmcc"], "keep": ["1234", "1234"]},
        {"operators": ["cmcc"], "keep": [f"{i:04d}" for i in range(21)]},
        {"operators": ["cmcc"], "keep": [1234]},
        {"operators": ["cmcc"], "extra": True},
    ],
)
def test_a_malformed_report_is_a_422_with_chinese_messages(client, delivered, body):
    token, ticket, _ = delivered
    r = client.post(f"/api/v1/queries/{ticket}/reports", json=body, headers=auth(token))
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid_fields" and error["fields"]
    assert all(
        any("\u4e00" <= c <= "\u9fff" for c in m) for ms in error["fields"].values() for m in ms
    )


def test_full_width_endings_are_the_same_endings(client, sandbox, delivered, api_server):
    token, ticket, _ = delivered
    r = report(client, token, ticket, ["cmcc"], keep=["８０００", "1234"])
    assert r.status_code == 202, r.get_json()
    got = sandbox.wait_for_report("cmcc", r.get_json()["report"])
    assert got["keep"] == ["8000", "1234"]


# --- no new oracle ---------------------------------------------------------------------------


def _mismatch(client: Any, sandbox: Sandbox, token: str) -> tuple[str, dict[str, Any]]:
    """A query whose name is not the holder's: the operators confirm nothing, `mismatch`."""
    form = {**phone_cards_person(sandbox), "name": make_name() + "乙"}
    ticket, message = run_query(client, sandbox, form, token)
    assert message["template"] == "mismatch"
    return ticket, form


def _statuses(client: Any, token: str, reports: dict[str, Any]) -> dict[str, list]:
    """Each report's statuses as the API shows them, in order, read side by side until both
    read answered. `reports`: report id -> what to do once it reads forwarded (or None)."""
    seen: dict[str, list] = {r: [("submitted", "submitted")] for r in reports}
    todo = dict(reports)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for report_id in reports:
            body = client.get(f"/api/v1/reports/{report_id}", headers=auth(token)).get_json()
            now = (body["status"], body["operators"][0]["status"])
            if now != seen[report_id][-1]:
                seen[report_id].append(now)
            if now[0] == "forwarded" and todo.get(report_id):
                todo.pop(report_id)()
        if all(s[-1][0] == "answered" for s in seen.values()):
            return seen
        time.sleep(0.03)
    raise AssertionError(f"never answered: {seen}")


def test_a_mismatch_tickets_report_answers_as_a_results_does(
    client, sandbox, api_server, redis_client
):
    token = login(client)
    ok_ticket, _ = run_query(client, sandbox, phone_cards_person(sandbox), token)
    bad_ticket, bad_form = _mismatch(client, sandbox, token)
    listed = client.get("/api/v1/queries", headers=auth(token)).get_json()["queries"]
    assert [q["reportable"] for q in listed] == [True, True]  # never the outcome
    # The SMS takes a while, so each status lasts long enough to be seen.
    sandbox.fault("sms", "slow", latency_ms=600)

    ok = report(client, token, ok_ticket, ["cmcc"], keep=["0001"])
    bad = report(client, token, bad_ticket, ["cmcc"], keep=["0001"])
    assert ok.status_code == bad.status_code == 202
    ok_body, bad_body = ok.get_json(), bad.get_json()
    assert set(ok_body) == set(bad_body) and ok_body["status"] == bad_body["status"]
    assert len(ok_body["report"]) == len(bad_body["report"])
    assert ok_body["message"][:-11] == bad_body["message"][:-11]  # all but the masked phone

    def operator_answers() -> None:
        sandbox.wait_for_report("cmcc", ok_body["report"])
        sandbox.answer_report(ok_body["report"], "cmcc", "confirmed")

    seen = _statuses(client, token, {ok_body["report"]: operator_answers, bad_body["report"]: None})
    expected = [(s, s) for s in ("submitted", "forwarded", "answered")]
    assert seen[ok_body["report"]] == seen[bad_body["report"]] == expected
    ok_read = client.get(f"/api/v1/reports/{ok_body['report']}", headers=auth(token)).get_json()
    bad_read = client.get(f"/api/v1/reports/{bad_body['report']}", headers=auth(token)).get_json()
    assert set(ok_read) == set(bad_read) and ok_read["operators"] == bad_read["operators"]

    # Nothing went to the operator for the mismatch; its user heard report_refused, once.
    wait_until_worker_done(redis_client, bad_body["report"])
    assert all(r["report"] != bad_body["report"] for r in sandbox.reports("cmcc"))
    refused = wait_sms_of(sandbox, bad_form["phone"], "report_refused")
    assert [m["text"] for m in refused] == [
        "【一证通查】您的反映未能受理:该查询未成功或运营商暂时无法查询。请重新查询后再反映。"
    ]
    assert sms_of(sandbox, bad_form["phone"], "report_received") == []


def test_an_operator_the_query_did_not_reach_cannot_be_reported(client, sandbox, api_server):
    form = phone_cards_person(sandbox)
    token = login(client)
    sandbox.fault("cucc", "error")  # 中国联通 shows `-`
    ticket, message = run_query(client, sandbox, form, token)
    assert message["template"] == "phone_cards_partial" and message["params"]["cucc"] == "-"
    sandbox.clear_faults()
    report_id = report(client, token, ticket, ["cmcc", "cucc"]).get_json()["report"]
    sandbox.wait_for_report("cmcc", report_id)
    (received,) = wait_sms_of(sandbox, form["phone"], "report_received")
    assert received["params"]["operators"] == "中国移动"  # only what went
    wait_sms_of(sandbox, form["phone"], "report_refused")
    body = wait_report(client, token, report_id, "forwarded")
    statuses = {o["id"]: o["status"] for o in body["operators"]}
    deadline = time.monotonic() + 10
    while statuses["cucc"] != "answered" and time.monotonic() < deadline:
        body = client.get(f"/api/v1/reports/{report_id}", headers=auth(token)).get_json()
        statuses = {o["id"]: o["status"] for o in body["operators"]}
        time.sleep(0.05)
    assert statuses == {"cmcc": "forwarded", "cucc": "answered"}
    assert all(r["report"] != report_id for r in sandbox.reports("cucc"))


def test_an_unknown_reference_is_refused_by_the_operator(client, sandbox, api_server):
    form = phone_cards_person(sandbox)
    token = login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    sandbox.http.post(f"{sandbox.url}/_sandbox/reset", timeout=5)  # the operators forget
    report_id = report(client, token, ticket, ["cmcc"]).get_json()["report"]
    wait_sms_of(sandbox, form["phone"], "report_refused")
    wait_report(client, token, report_id, "answered")
    assert sandbox.reports("cmcc") == []
