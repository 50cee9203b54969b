"""Hostile JSON on every POST: deep nesting, huge numbers, other digit scripts. Always a JSON 4xx
with a stable code, never a 500, and nothing of an identifier in the logs or the answer."""

from __future__ import annotations

import json

import pytest

from tests.integration.flows import auth, login
from tests.processes import LOGS
from tests.support import make_id, make_phone

POSTS = ("/api/v1/sessions", "/api/v1/verification-codes", "/api/v1/queries")


def hostile_bodies() -> dict[str, bytes]:
    return {
        "nested_arrays": b"[" * 5000 + b"]" * 5000,
        "nested_objects": b'{"a":' * 2500 + b"1" + b"}" * 2500,
        "nested_in_a_field": b'{"service": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        "huge_integer": b'{"service": "phone_cards", "agree": ' + b"9" * 5000 + b"}",
        "huge_float": b'{"agree": 1' + b"0" * 400 + b".5e99999}",
        "nan": b'{"agree": NaN}',
        "infinity": b'{"phone": -Infinity}',
    }


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("kind", list(hostile_bodies()))
def test_hostile_json_is_a_4xx(client, path, kind):
    token = login(client)
    r = client.post(
        path,
        data=hostile_bodies()[kind],
        content_type="application/json",
        headers=auth(token),
    )
    assert 400 <= r.status_code < 500, (kind, r.status_code, r.get_data()[:200])
    error = r.get_json()["error"]
    assert error["code"] in ("invalid_json", "bad_request", "invalid_fields")
    assert error["message"]


def test_a_superscript_in_an_id_is_a_422_and_never_reaches_a_log(client):
    id_number, phone = make_id(), make_phone()
    spelled = id_number[:-1] + "²"  # 17 of its characters, then a superscript
    form = {"service": "phone_cards", "name": "张三", "id_number": spelled, "phone": phone}
    before = {log_path: log_path.stat().st_size for log_path in LOGS.glob("*.log")}
    for endpoint in ("/api/v1/verification-codes", "/api/v1/queries"):
        r = client.post(
            endpoint, json={**form, "agree": True, "code": "123456"}, headers=auth(login(client))
        )
        assert r.status_code == 422, r.get_json()
        assert id_number[:-1] not in r.get_data(as_text=True)
    for path in LOGS.glob("*.log"):
        with open(path, "rb") as log:
            log.seek(before.get(path, 0))
            written = log.read().decode("utf-8", "replace")
        assert id_number[:-1] not in written and id_number[:12] not in written, path.name


def test_an_answer_is_always_json(client):
    r = client.post("/api/v1/sessions", data=b"\xff\xfe", content_type="application/json")
    assert r.status_code == 400 and json.loads(r.get_data())["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("agree", [1, 1.0, "true", "1", 0, [True], {"v": True}])
@pytest.mark.parametrize("field", ["agree", "notify"])
def test_agree_and_notify_are_the_json_literals_only(client, field, agree):
    form = {"service": "internet_accounts", "phone": "13800138000", "id_last6": "31002X"}
    body = {"agree": True, **form, field: agree, "code": "123456"}
    for path in ("/api/v1/verification-codes", "/api/v1/queries"):
        if field == "notify" and path.endswith("codes"):
            continue  # notify is a field of the submit only
        r = client.post(path, json=body, headers=auth(login(client)))
        assert r.status_code == 422, (path, r.get_json())
        assert field in r.get_json()["error"]["fields"]
