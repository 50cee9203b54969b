"""Sessions, verification codes and the API's error contract."""

from __future__ import annotations

import threading
from typing import Any

from tests.integration.flows import (
    accounts_person,
    auth,
    login,
    phone_cards_person,
    request_code,
    submit,
)
from tests.support import make_phone


def test_login_with_each_platform_and_a_rejected_code(client):
    for platform in ("wechat", "alipay"):
        r = client.post("/api/v1/sessions", json={"platform": platform, "code": "abc"})
        assert r.status_code == 201 and r.get_json()["expires_in"] == 7200
        assert "session_key" not in r.get_data(as_text=True)
        bad = client.post("/api/v1/sessions", json={"platform": platform, "code": "bad-code"})
        assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "login_failed"


def test_platform_down_is_503(client, sandbox):
    sandbox.fault("wechat", "error")
    r = client.post("/api/v1/sessions", json={"platform": "wechat", "code": "abc"})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "platform_unavailable"


def test_endpoints_need_a_token(client):
    for path in ("/api/v1/verification-codes", "/api/v1/queries"):
        r = client.post(path, json={"service": "phone_cards", "phone": "13800138000"})
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"
    r = client.get("/api/v1/queries/whatever", headers=auth("forged-token"))
    assert r.status_code == 401


def test_every_wrong_field_is_reported_at_once_and_no_sms_is_sent(client, sandbox):
    phone = make_phone()
    token = login(client)
    r = request_code(
        client,
        token,
        {
            "service": "phone_cards",
            "name": "Zhang",
            "id_number": "110105194912310021",
            "phone": phone,
            "agree": False,
        },
    )
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert set(error["fields"]) == {"name", "id_number", "agree"}
    assert error["fields"]["id_number"] == ["身份证号校验位错误"]
    assert sandbox.sms(phone) == []


def test_code_sms_uses_the_code_template(client, sandbox):
    form = accounts_person(sandbox, {})
    r = request_code(client, login(client), form)
    assert r.status_code == 202
    assert r.get_json() == {
        "sent_to": form["phone"][:3] + "****" + form["phone"][-4:],
        "expires_in": 300,
    }
    message = sandbox.sms(form["phone"])[-1]
    code = message["params"]["code"]
    assert len(code) == 6 and code.isdigit()
    # one variable, the code: both cloud providers allow no other in a 验证码 template
    assert message["template"] == "code_internet_accounts" and message["params"] == {"code": code}
    assert message["text"] == (
        f"【一证通查】您的验证码为{code},5分钟内有效。您正在使用“互联网账号”"
        "查询服务,请勿将验证码告知他人。"
    )


def test_wrong_code_counts_attempts_then_burns_the_code(client, sandbox):
    form = phone_cards_person(sandbox)
    token = login(client)
    request_code(client, token, form)
    real = sandbox.last_code(form["phone"])
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    lefts = [submit(client, token, form, wrong).get_json()["error"] for _ in range(3)]
    assert [(e["code"], e["attempts_left"]) for e in lefts] == [
        ("code_mismatch", 2),
        ("code_mismatch", 1),
        ("code_mismatch", 0),
    ]
    r = submit(client, token, form, real)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "code_expired"


def test_code_is_bound_to_the_whole_form(client, sandbox):
    form = phone_cards_person(sandbox)
    token = login(client)
    request_code(client, token, form)
    code = sandbox.last_code(form["phone"])
    other = phone_cards_person(sandbox)
    r = submit(client, token, {**form, "id_number": other["id_number"]}, code)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "code_mismatch"
    assert submit(client, token, form, code).status_code == 202
    again = submit(client, token, form, code)  # single use
    assert again.get_json()["error"]["code"] == "code_expired"


def test_code_expires(client, sandbox, settings, redis_client):
    form = accounts_person(sandbox, {})
    token = login(client)
    request_code(client, token, form)
    code = sandbox.last_code(form["phone"])
    # expire the stored code now instead of waiting five minutes
    for key in redis_client.scan_iter("yzt:code:*:internet_accounts"):
        if redis_client.ttl(key) > 0:
            redis_client.delete(key)
    r = submit(client, token, form, code)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "code_expired"


def test_another_users_ticket_is_not_found(client, sandbox):
    form = accounts_person(sandbox, {"wechat": 1})
    token = login(client)
    request_code(client, token, form)
    ticket = submit(client, token, form, sandbox.last_code(form["phone"])).get_json()["ticket"]
    assert client.get(f"/api/v1/queries/{ticket}", headers=auth(token)).status_code == 200
    other = login(client, platform="alipay")
    for path in (f"/api/v1/queries/{ticket}", "/api/v1/queries/unknown-ticket"):
        r = client.get(path, headers=auth(other))
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    # ids that could never be a ticket (hash-tag braces, another ticket's key) are unknown too
    for bad in ("%7Bp:ab%7Dx", ticket + ":form", "x" * 65, "票号"):
        r = client.get(f"/api/v1/queries/{bad}", headers=auth(token))
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found", bad


def test_two_concurrent_code_requests_for_one_phone_give_exactly_one_202(
    flask_app, worker, sandbox
):
    form = phone_cards_person(sandbox)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        client = flask_app.test_client()
        token = login(client)
        barrier.wait()
        statuses.append(request_code(client, token, form).status_code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [202] + [429] * 7
    assert len(sandbox.sms(form["phone"])) == 1


def test_malformed_requests_get_json_4xx(client):
    token = login(client)
    h = {**auth(token)}
    cases: list[tuple[dict[str, Any], int, str]] = [
        (dict(data="{not json", content_type="application/json"), 400, "invalid_json"),
        (dict(data="[]", content_type="application/json"), 400, "bad_request"),
        (
            dict(data="phone=1", content_type="application/x-www-form-urlencoded"),
            415,
            "unsupported_media_type",
        ),
        (
            dict(json={"service": "phone_cards", "phone": "13800138000", "evil": 1}),
            422,
            "invalid_fields",
        ),
        (dict(json={"service": "phone_cards", "phone": 13800138000}), 422, "invalid_fields"),
        (dict(json={"service": "phone_cards", "phone": "1" * 20000}), 413, "payload_too_large"),
    ]
    for kwargs, status, code in cases:
        r = client.post("/api/v1/verification-codes", headers=h, **kwargs)
        assert r.status_code == status, (kwargs, r.get_data(as_text=True)[:200])
        assert r.is_json and r.get_json()["error"]["code"] == code
        assert r.get_json()["error"]["message"]
    r = client.get("/api/v1/verification-codes", headers=h)
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.is_json
    wrong_type = client.post(
        "/api/v1/verification-codes",
        headers=h,
        json={"service": "phone_cards", "phone": 13800138000},
    )
    assert wrong_type.get_json()["error"]["fields"]["phone"] == ["应为文本"]
    unknown = client.post(
        "/api/v1/verification-codes",
        headers=h,
        json={"service": "phone_cards", "phone": "13800138000", "evil": 1},
    )
    assert unknown.get_json()["error"]["fields"]["evil"] == ["不支持的字段"]
    raw = client.post(
        "/api/v1/verification-codes",
        headers=h,
        json={"service": "phone_cards", "phone": "13800138000"},
    )
    assert "\\u" not in raw.get_data(as_text=True)


def test_missing_keys_are_reported_with_every_other_wrong_field(client):
    token = login(client)
    r = request_code(client, token, {"service": "phone_cards", "name": "Zhang", "agree": True})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {
        "name": ["姓名只能包含汉字和·"],
        "id_number": ["请填写身份证号"],
        "phone": ["请填写手机号"],
    }
    r = submit(client, token, {"service": "internet_accounts", "agree": True}, code=None)
    fields = r.get_json()["error"]["fields"]
    assert set(fields) == {"phone", "id_last6", "code"}
