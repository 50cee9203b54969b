"""非本人 reports through the real path: the API, a real worker, real Redis, and the sandbox
operators over HTTP with signatures both ways (api.md, product.md)."""

from __future__ import annotations

import time

from adapters.redis import keys
from tests.broker_state import wait_until_worker_done
from tests.integration.flows import (
    auth,
    login,
    phone_cards_person,
    report,
    run_query,
    sms_of,
    wait_report,
    wait_sms_of,
)
from tests.support import make_phone


def test_a_report_from_count_to_answer_with_the_answer_arriving_twice(
    client, sandbox, api_server, redis_client
):
    extra = [
        {"operator": "cmcc", "phone": make_phone("138"), "status": "active"},
        {"operator": "vno1", "phone": make_phone("170"), "status": "active"},
    ]
    form = phone_cards_person(sandbox, extra_cards=extra)
    phone, token = form["phone"], login(client)
    ticket, result = run_query(client, sandbox, form, token)
    assert "我的查询" in result["text"]  # the result SMS points to reports

    mine = client.get("/api/v1/queries", headers=auth(token)).get_json()["queries"]
    assert [(q["ticket"], q["reportable"]) for q in mine] == [(ticket, True)]

    r = report(client, token, ticket, ["cmcc", "mvno"], keep=[phone[-4:]])
    assert r.status_code == 202, r.get_json()
    accepted = r.get_json()
    assert accepted["status"] == "submitted"
    assert accepted["message"] == f"反映已提交,受理结果将通过短信发送至{phone[:3]}****{phone[-4:]}"
    report_id = accepted["report"]

    (received,) = wait_sms_of(sandbox, phone, "report_received")
    ref = report_id[-6:].upper()
    assert received["text"] == (
        f"【一证通查】您对中国移动、转售企业名下号码的反映已受理,受理编号{ref}。"
        "运营商核查后将短信告知结果。"
    )
    for operator in ("cmcc", "vno1", "vno2"):  # each virtual operator gets its own copy
        got = sandbox.wait_for_report(operator, report_id)
        assert got["keep"] == [phone[-4:]] and got["operator"] == operator
    forwarded = wait_report(client, token, report_id, "forwarded")
    assert forwarded["operators"] == [
        {"id": "cmcc", "status": "forwarded"},
        {"id": "mvno", "status": "forwarded"},
    ]
    assert forwarded["ticket"] == ticket
    mine = client.get("/api/v1/queries", headers=auth(token)).get_json()["queries"]
    assert mine[0]["reportable"] is False  # one report per ticket

    sandbox.answer_report(report_id, "cmcc", "closed", 1)
    sandbox.answer_report(report_id, "cmcc", "closed", 1)  # delivered twice
    (closed,) = wait_sms_of(sandbox, phone, "report_closed")
    assert closed["text"] == (
        "【一证通查】您反映的中国移动名下非本人号码已核查处理,已注销1张。如有疑问请拨打10086。"
    )
    sandbox.answer_report(report_id, "vno1", "confirmed")
    sandbox.answer_report(report_id, "vno2", "visit_store")
    (confirmed,) = wait_sms_of(sandbox, phone, "report_confirmed")
    assert confirmed["text"] == (
        "【一证通查】经转售企业甲核查,您名下号码均为本人证件办理。"
        "如有疑问请携带身份证件到营业厅核实,或拨打客服电话。"
    )
    (visit,) = wait_sms_of(sandbox, phone, "report_visit_store")
    assert visit["text"].startswith("【一证通查】转售企业乙需核实您的身份")
    answered = wait_report(client, token, report_id, "answered")
    assert {o["status"] for o in answered["operators"]} == {"answered"}

    sandbox.answer_report(report_id, "cmcc", "closed", 1)  # once more, after the SMS went
    wait_until_worker_done(redis_client, report_id)
    assert len(sms_of(sandbox, phone, "report_closed")) == 1
    assert len(sandbox.reports("cmcc")) == len({r["report"] for r in sandbox.reports("cmcc")})
    stored = redis_client.hgetall(keys.report(report_id))
    assert not [k for k in stored if k.startswith((b"a:", b"keep"))]  # no answer kept, no keep
    assert 0 < redis_client.ttl(keys.report(report_id)) <= 7 * 86400
    events = [e for e in _audit(redis_client) if e.get(b"report") == report_id.encode()]
    steps = [e[b"step"].decode() for e in events]
    assert steps[:2] == ["submitted", "forwarded"] and steps.count("answered") == 3
    assert not any(b"closed" in v or b"confirmed" in v for e in events for v in e.values())


def _audit(redis_client) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in redis_client.xrange(keys.audit_stream())]


def test_an_operator_down_for_a_while_then_back_gets_the_report_once(
    client, sandbox, api_server, redis_client
):
    form = phone_cards_person(sandbox)
    token = login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    sandbox.fault("cmcc", "error")
    report_id = report(client, token, ticket, ["cmcc"]).get_json()["report"]
    wait_sms_of(sandbox, form["phone"], "report_received")
    deadline = time.monotonic() + 3  # a few retries hit the fault (0.5 s, 1 s, 2 s apart)
    while time.monotonic() < deadline:
        assert sandbox.reports("cmcc") == [] or all(
            r["report"] != report_id for r in sandbox.reports("cmcc")
        )
        body = client.get(f"/api/v1/reports/{report_id}", headers=auth(token)).get_json()
        assert body["status"] == "submitted"
        time.sleep(0.2)
    sandbox.clear_faults()
    sandbox.wait_for_report("cmcc", report_id, timeout_s=20)
    wait_report(client, token, report_id, "forwarded")
    wait_until_worker_done(redis_client, report_id)
    assert [r["report"] for r in sandbox.reports("cmcc")].count(report_id) == 1
    assert sms_of(sandbox, form["phone"], "report_refused") == []
