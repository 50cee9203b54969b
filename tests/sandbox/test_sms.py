"""The SMS gateway: exact rendered text, out_id dedupe, the provider's template rules, the
per-number limits, refusals, faults."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from sandbox import SandboxSettings, create_app
from tests.sandbox.conftest import LiveSandbox, set_fault, signed_post

SMS_PATH = "/sms/v1/send"
SMS_SECRET = b"sandbox-secret-sms"
CODE_PARAMS = {"code": "123456"}
CODE = "code_phone_cards"


def _send(live: LiveSandbox, out_id: str, **changes: object) -> requests.Response:
    body = {
        "phone": "13800138000",
        "sign_name": "一证通查",
        "template_code": CODE,
        "params": CODE_PARAMS,
        "out_id": out_id,
        **changes,
    }
    return signed_post(live, SMS_PATH, body, SMS_SECRET)


def _refusals(live: LiveSandbox, phone: str | None = None) -> list[dict]:
    params = {"phone": phone} if phone else {}
    response = requests.get(live.url("/_sandbox/sms/refusals"), params=params, timeout=5)
    assert response.status_code == 200
    return response.json()["refusals"]


def set_frequency(live: LiveSandbox, enabled: bool, **limits: int) -> None:
    body = {"enabled": enabled, "limits": {k.replace("__", "."): v for k, v in limits.items()}}
    response = requests.put(live.url("/_sandbox/sms/frequency"), json=body, timeout=5)
    assert response.status_code == 204, response.text


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
    assert message["template"] == CODE
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
        {"code": "123456", "minutes": "5"},  # a 验证码 template has one variable
        {},
        {"code": 123456},
        {"code": "1234567"},  # a code is 4-6 digits
        {"code": "123"},
        {"code": "12a456"},
        {"code": "１２３４５６"},  # full-width digits are not digits to a gateway
        ["123456"],
    ],
)
def test_invalid_params_are_refused(live: LiveSandbox, params: object) -> None:
    response = _send(live, "t-3", params=params)
    assert (response.status_code, response.json()) == (400, {"code": "invalid_params"})
    assert _messages(live) == []
    [refusal] = _refusals(live)
    assert (refusal["template"], refusal["code"]) == (CODE, "invalid_params")


def test_a_notification_variable_holds_at_most_35_characters(live: LiveSandbox) -> None:
    params = {k: "1" for k in ("total", "cmcc", "cucc", "ctcc", "cbn", "mvno")}
    partial = "phone_cards_partial"
    assert _send(
        live, "t-35", template_code=partial, params={**params, "unavailable": "长" * 35}
    ).ok
    response = _send(
        live, "t-36", template_code=partial, params={**params, "unavailable": "长" * 36}
    )
    assert (response.status_code, response.json()) == (400, {"code": "invalid_params"})


def test_the_old_three_variable_code_template_is_never_approved(
    tmp_path: Path, keys_dir: Path
) -> None:
    """A 验证码 template registered with code, minutes and the service name: the gateway
    refuses it whatever values come, as no provider would have approved it."""
    registry = tmp_path / "templates.yaml"
    registry.write_text(
        "signature: 一证通查\ntemplates:\n  code:\n    kind: verification\n"
        "    ids: {sandbox: code}\n"
        '    text: "您的验证码为{code},{minutes}分钟内有效。您正在使用“{service_name}”查询。"\n',
        encoding="utf-8",
    )
    settings = SandboxSettings(latency_ms=0, keys_dir=keys_dir, sms_templates_path=registry)
    server = LiveSandbox(create_app(settings))
    server.start()
    try:
        params = {"code": "123456", "minutes": "5", "service_name": "移动电话卡"}
        response = _send(server, "old", template_code="code", params=params)
        assert (response.status_code, response.json()) == (400, {"code": "invalid_template"})
    finally:
        server.stop()


def test_other_templates_render(live: LiveSandbox) -> None:
    assert _send(live, "t-4", template_code="mismatch", params={}).ok
    [message] = _messages(live)
    assert message["template"] == "mismatch"
    assert message["text"].startswith("【一证通查】您提交的信息与号码登记信息不符")


def test_sms_is_signed_with_its_own_key(live: LiveSandbox) -> None:
    body = {"phone": "13800138000", "sign_name": "一证通查", "template_code": CODE}
    response = signed_post(live, SMS_PATH, body, b"sandbox-secret-cmcc")
    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


def test_limit_and_error_faults(live: LiveSandbox) -> None:
    set_fault(live, "sms", "limit")
    response = _send(live, "t-5")
    assert response.status_code == 429
    assert response.json() == {"code": "rate_limited", "retry_after": 60}
    assert [r["code"] for r in _refusals(live)] == ["limit"]
    set_fault(live, "sms", "error")
    assert _send(live, "t-6").status_code == 500
    assert _messages(live) == []
    set_fault(live, "sms", "ok")
    assert _send(live, "t-7").ok


# --- per-number limits: off unless asked for (api.md), each provider's defaults when on --------


def test_no_per_number_limit_unless_asked_for(live: LiveSandbox) -> None:
    assert requests.get(live.url("/_sandbox/sms/frequency"), timeout=5).json()["enabled"] is False
    for n in range(12):
        assert _send(live, f"many-{n}").ok  # 12 codes to one number within a second


def test_the_default_limits_refuse_a_second_code_within_a_minute(live: LiveSandbox) -> None:
    set_frequency(live, True)
    assert _send(live, "f-1").ok
    response = _send(live, "f-2")
    assert response.status_code == 429
    assert response.json() == {"code": "rate_limited", "retry_after": 60}
    assert _send(live, "f-3", phone="13900139000").ok  # another number is not limited
    assert _send(live, "f-4", template_code="mismatch", params={}).ok  # nor a notification
    assert [r["code"] for r in _refusals(live, "13800138000")] == ["sandbox.minute"]


def test_a_rule_can_be_raised_or_switched_off_and_reset_turns_limits_off(live: LiveSandbox) -> None:
    set_frequency(live, True, sandbox__minute=3)
    assert all(_send(live, f"r-{n}").ok for n in range(3))
    assert _send(live, "r-3").status_code == 429
    set_frequency(live, True, sandbox__minute=0, sandbox__hour=0, sandbox__day=0)
    assert _send(live, "r-4").ok
    unknown = {"enabled": True, "limits": {"sandbox.nope": 1}}
    response = requests.put(live.url("/_sandbox/sms/frequency"), json=unknown, timeout=5)
    assert response.status_code == 400
    assert requests.post(live.url("/_sandbox/reset"), timeout=5).status_code == 204
    assert requests.get(live.url("/_sandbox/sms/frequency"), timeout=5).json()["enabled"] is False
