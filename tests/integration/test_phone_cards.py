"""移动电话卡 end to end: real Redis, real worker, the sandbox over HTTP."""

from __future__ import annotations

from tests.integration.flows import login, phone_cards_person, request_code, run_query, submit
from tests.support import make_phone


def test_result_counts_in_service_cards_per_operator(client, sandbox):
    form = phone_cards_person(
        sandbox,
        extra_cards=[
            {"operator": "cucc", "phone": make_phone("131"), "status": "suspended"},
            {"operator": "cucc", "phone": make_phone("131"), "status": "cancelled"},
            {"operator": "vno1", "phone": make_phone("170"), "status": "active"},
            {"operator": "vno2", "phone": make_phone("171"), "status": "active"},
        ],
    )
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "phone_cards_result"
    assert message["text"] == (
        "【一证通查】您查询的证件号码名下共有在网移动电话卡4张:中国移动1张,中国联通1张,"
        "中国电信0张,中国广电0张,转售企业2张。如发现非本人办理的号码,"
        "可在一证通查“我的查询”中一键反映,或本人携带身份证件到营业厅办理。"
    )


def test_number_ported_to_another_operator_is_found(client, sandbox):
    form = phone_cards_person(sandbox, operator="cbn")  # a 139 number served by 中国广电
    _, message = run_query(client, sandbox, form)
    assert message["params"]["cbn"] == "1" and message["params"]["total"] == "1"


def test_wrong_name_is_a_mismatch_sent_by_sms_only(client, sandbox):
    form = phone_cards_person(sandbox)
    form["name"] = "错误名字" if form["name"] != "错误名字" else "另一个"
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "mismatch"
    assert "信息与号码登记信息不符" in message["text"]


def test_phone_of_someone_else_is_a_mismatch(client, sandbox):
    form = phone_cards_person(sandbox)
    other = phone_cards_person(sandbox)
    form["phone"] = other["phone"]
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "mismatch"


def test_suspended_phone_is_number_inactive(client, sandbox):
    form = phone_cards_person(sandbox, status="suspended")
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "number_inactive"


def test_partial_when_an_operator_errors_and_quota_is_given_back(client, sandbox):
    form = phone_cards_person(sandbox)
    sandbox.fault("ctcc", "error")
    sandbox.fault("vno2", "timeout")
    token = login(client)
    _, message = run_query(client, sandbox, form, token)
    assert message["template"] == "phone_cards_partial"
    assert message["params"]["ctcc"] == "-" and message["params"]["mvno"] == "-"
    assert message["text"].endswith(
        "中国电信、转售企业暂时无法查询,请稍后重试,本次不计入查询次数。"
    )
    sandbox.clear_faults()
    # partial gives the 24-hour quota back: the same phone and ID may ask again at once
    assert request_code(client, token, form).status_code == 202


def test_unavailable_when_the_serving_operator_is_down(client, sandbox):
    form = phone_cards_person(sandbox, operator="cucc")
    sandbox.fault("cucc", "error")
    token = login(client)
    _, message = run_query(client, sandbox, form, token)
    assert message["template"] == "unavailable"
    sandbox.clear_faults()
    assert request_code(client, token, form).status_code == 202


def test_slow_operator_within_timeout_still_counts(client, sandbox):
    form = phone_cards_person(sandbox)
    sandbox.fault("cmcc", "slow", latency_ms=300)
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "phone_cards_result"


def test_result_uses_the_quota_for_phone_and_id(client, sandbox):
    form = phone_cards_person(sandbox)
    token = login(client)
    run_query(client, sandbox, form, token)
    again = request_code(client, token, form)
    assert again.status_code == 429
    body = again.get_json()["error"]
    assert body["code"] == "quota_exceeded" and body["retry_after"] > 80000
    assert again.headers["Retry-After"] == str(body["retry_after"])
    # the same ID with another phone is refused too
    other_phone = phone_cards_person(sandbox)["phone"]
    assert request_code(client, token, {**form, "phone": other_phone}).status_code == 429


def test_submitted_answer_is_the_same_whether_or_not_it_matches(client, sandbox):
    good = phone_cards_person(sandbox)
    bad = {**phone_cards_person(sandbox), "name": "不是本人"}
    token = login(client)
    answers = []
    for form in (good, bad):
        assert request_code(client, token, form).status_code == 202
        r = submit(client, token, form, sandbox.last_code(form["phone"]))
        body = r.get_json()
        answers.append(
            (
                r.status_code,
                sorted(body),
                body["status"],
                body["message"].replace(form["phone"][:3] + "****" + form["phone"][-4:], "X"),
            )
        )
    assert answers[0] == answers[1]
