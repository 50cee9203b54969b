"""The SMS gateway: exact rendered text, out_id dedupe, refusals, faults."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.sandbox.conftest import LiveSandbox, set_fault, signed_post

SMS_PATH = "/sms/v1/send"
SMS_SECRET = b"sandbox-secret-sms"
CODE_PARAMS = {"code": "123456", "minutes": "5", "service_name": "移动电话卡"}


def _send(live: LiveSandbox, out_id: str, **changes: object) -> requests.Response:
    body = {
        "phone": "13800138000",
        "sign_name": "一证通查",
        "template_code": "code",
        "params": CODE_PARAMS,
        "out_id": out_id,
        **changes,
    }
    return signed_post(live, SMS_PATH, body, SMS_SECRET)


def _messages(live: LiveSandbox, phone: str | None = None) -> list[dict]:
    params = {"phone": phone} if phone else {}
    response = requests.get(live.url("/_sandbox/sms"), params=params, timeout=5)
    assert response.status_code == 200
    return response.json()["messages"]


def test_sends_the_exact_text_with_the_signature(live: LiveSandbox) -> None:
    response = _send(live, "t-1")
    assert response.status_code == 200
    assert response.json()["code"] == "OK" and response.json()["message_id"]
    [message] = _messages(live, "13800138000")
    assert message["text"] == (
        "【一证通查】您的验证码为123456,5分钟内有效。"
        "您正在使用“移动电话卡”查询服务,请勿将验证码告知他人。"
    )
    assert message["template"] == "code"
    assert message["params"] == CODE_PARAMS
    assert message["phone"] == "13800138000"
    assert datetime.fromisoformat(message["sent_at"]).utcoffset() == timedelta(0)
    assert "\\u" not in requests.get(live.url("/_sandbox/sms"), timeout=5).text


def test_received_on_arrival_sent_after_the_gateway_latency(live: LiveSandbox) -> None:
    set_fault(live, "sms", "slow", 40)
    assert _send(live, "t-slow").ok
    [message] = _messages(live)
    waited = datetime.fromisoformat(message["sent_at"]) - datetime.fromisoformat(
        message["received_at"]
    )
    assert waited >= timedelta(milliseconds=35)


def test_same_out_id_is_accepted_and_not_sent_again(live: LiveSandbox) -> None:
    first = _send(live, "ticket-42")
    second = _send(live, "ticket-42")
    assert second.status_code == 200
    assert second.json()["message_id"] == first.json()["message_id"]
    assert len(_messages(live)) == 1


def test_many_messages_to_one_number_oldest_first(live: LiveSandbox) -> None:
    for n in range(12):
        assert _send(live, f"m-{n}", params={**CODE_PARAMS, "code": f"{n:06d}"}).ok
    _send(live, "other", phone="13900000000")
    codes = [m["params"]["code"] for m in _messages(live, "13800138000")]
    assert codes == [f"{n:06d}" for n in range(12)]
    assert len(_messages(live)) == 13


def test_since_returns_only_the_newer_messages_and_the_cursor(live: LiveSandbox) -> None:
    for n in range(3):
        assert _send(live, f"s-{n}", params={**CODE_PARAMS, "code": f"{n:06d}"}).ok
    url = live.url("/_sandbox/sms")
    first = requests.get(url, params={"since": 1}, timeout=5).json()
    assert [m["params"]["code"] for m in first["messages"]] == ["000001", "000002"]
    assert first["next"] == 3
    assert requests.get(url, params={"since": 3}, timeout=5).json()["messages"] == []
    assert requests.get(url, params={"since": "-1"}, timeout=5).status_code == 400


def test_unknown_template_is_refused(live: LiveSandbox) -> None:
    response = _send(live, "t-2", template_code="nope")
    assert (response.status_code, response.json()) == (400, {"code": "invalid_template"})


@pytest.mark.parametrize(
    "params",
    [
        {"code": "123456", "minutes": "5"},
        {**CODE_PARAMS, "extra": "x"},
        {**CODE_PARAMS, "minutes": 5},
        {**CODE_PARAMS, "service_name": "长" * 36},
        ["123456"],
    ],
)
def test_invalid_params_are_refused(live: LiveSandbox, params: object) -> None:
    response = _send(live, "t-3", params=params)
    assert (response.status_code, response.json()) == (400, {"code": "invalid_params"})
    assert _messages(live) == []


def test_other_templates_render(live: LiveSandbox) -> None:
    assert _send(live, "t-4", template_code="mismatch", params={}).ok
    [message] = _messages(live)
    assert message["template"] == "mismatch"
    assert message["text"].startswith("【一证通查】您提交的信息与号码登记信息不符")


def test_sms_is_signed_with_its_own_key(live: LiveSandbox) -> None:
    body = {"phone": "13800138000", "sign_name": "一证通查", "template_code": "code"}
    response = signed_post(live, SMS_PATH, body, b"sandbox-secret-cmcc")
    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


def test_limit_and_error_faults(live: LiveSandbox) -> None:
    set_fault(live, "sms", "limit")
    response = _send(live, "t-5")
    assert (response.status_code, response.json()) == (429, {"code": "rate_limited"})
    set_fault(live, "sms", "error")
    assert _send(live, "t-6").status_code == 500
    assert _messages(live) == []
    set_fault(live, "sms", "ok")
    assert _send(live, "t-7").ok
