"""互联网账号 end to end: ownership with every operator, then every company."""

from __future__ import annotations

from tests.integration.flows import accounts_person, login, request_code, run_query

COUNTS = {"wechat": 1, "qq": 2, "taobao": 1, "alipay": 1, "douyin": 3, "meituan": 1}


def test_result_counts_each_product(client, sandbox):
    form = accounts_person(sandbox, COUNTS)
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "internet_accounts_result"
    assert message["text"] == (
        "【一证通查】您的手机号共关联互联网账号9个:微信1个、QQ2个、淘宝1个、闲鱼0个、钉钉0个、"
        "支付宝1个、百度0个、快手0个、抖音3个、京东0个、美团1个。明细查询与解绑方法请见"
        "“解绑与明细查询说明”。"
    )


def test_last6_with_lowercase_x_is_the_same(client, sandbox):
    form = accounts_person(sandbox, COUNTS)
    form["id_last6"] = form["id_last6"].lower()
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "internet_accounts_result"


def test_wrong_last6_is_a_mismatch(client, sandbox):
    form = accounts_person(sandbox, COUNTS)
    last = form["id_last6"]
    form["id_last6"] = last[:5] + ("1" if last[5] != "1" else "2")
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "mismatch"


def test_suspended_number_is_number_inactive(client, sandbox):
    form = accounts_person(sandbox, COUNTS, status="suspended")
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "number_inactive"
    assert "客服电话" in message["text"]


def test_cancelled_number_is_exactly_a_mismatch(client, sandbox):
    """It may be someone else's number now: nothing may confirm whose it was."""
    form = accounts_person(sandbox, COUNTS, status="cancelled")
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "mismatch"


def test_company_down_is_named_with_its_products(client, sandbox):
    form = accounts_person(sandbox, COUNTS)
    sandbox.fault("alibaba", "error")
    sandbox.fault("meituan", "timeout")
    token = login(client)
    _, message = run_query(client, sandbox, form, token)
    assert message["template"] == "internet_accounts_partial"
    params = message["params"]
    assert (params["taobao"], params["xianyu"], params["dingtalk"], params["meituan"]) == ("-",) * 4
    assert params["total"] == "7"  # only the companies that answered
    assert message["text"].endswith(
        "淘宝、闲鱼、钉钉、美团暂时无法查询,请稍后重试,本次不计入查询次数。"
    )
    sandbox.clear_faults()
    assert request_code(client, token, form).status_code == 202


def test_unconfirmed_with_an_operator_down_is_unavailable_not_mismatch(client, sandbox):
    form = accounts_person(sandbox, COUNTS, operator="cbn")
    sandbox.fault("cbn", "timeout")
    _, message = run_query(client, sandbox, form)
    assert message["template"] == "unavailable"
