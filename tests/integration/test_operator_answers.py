"""The operators' answers to reports come as signed calls to us (docs/partner-protocol.md,
"Calls from operators"): forged, replayed, stale and cross-operator answers are refused, and
none of them reaches the user."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from adapters import partner_signing
from tests.broker_state import wait_until_worker_done
from tests.integration.flows import login, phone_cards_person, report, run_query, sms_of
from tests.integration.flows import wait_report as wait_report_status


def signed(
    report_id: str, body: Any, operator: str, key: str | None = None, now: float | None = None
) -> tuple[str, bytes, dict[str, str]]:
    path = f"/partners/v1/reports/{report_id}/answer"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret = (key or f"sandbox-secret-{operator}").encode()
    headers = partner_signing.signed_headers(operator, secret, "POST", path, raw, now=now)
    return path, raw, headers


def post(client: Any, path: str, raw: bytes, headers: dict[str, str]) -> tuple[int, str]:
    r = client.post(path, data=raw, headers=headers)
    body = r.get_json()
    return r.status_code, body["error"]["code"] if r.status_code != 200 else "ok"


@pytest.fixture
def forwarded(client, sandbox, api_server) -> tuple[str, str]:
    """(report id, phone) of a report that went to 中国移动."""
    form = phone_cards_person(sandbox)
    token = login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    report_id = report(client, token, ticket, ["cmcc"]).get_json()["report"]
    sandbox.wait_for_report("cmcc", report_id)
    wait_report_status(client, token, report_id, "forwarded")
    return report_id, form["phone"]


CLOSED = {"answer": "closed", "count": 1}


def test_a_forged_answer_is_refused(client, forwarded, sandbox, redis_client):
    report_id, phone = forwarded
    wrong_key = signed(report_id, CLOSED, "cmcc", key="not-the-cmcc-key")
    assert post(client, *wrong_key) == (401, "bad_signature")
    path, raw, headers = signed(report_id, CLOSED, "cmcc")
    tampered = raw.replace(b'"count": 1', b'"count": 9')
    assert post(client, path, tampered, headers) == (401, "bad_signature")
    other_path = signed(report_id + "x", CLOSED, "cmcc")
    assert post(client, path, raw, other_path[2]) == (401, "bad_signature")
    headers_without = {k: v for k, v in headers.items() if k != partner_signing.HEADER_NONCE}
    assert post(client, path, raw, headers_without) == (401, "missing_headers")
    stale = signed(report_id, CLOSED, "cmcc", now=time.time() - 301)
    assert post(client, *stale) == (401, "stale_timestamp")
    company = signed(report_id, CLOSED, "tencent")  # a partner, but no operator
    assert post(client, *company) == (401, "bad_signature")
    wait_until_worker_done(redis_client, report_id)
    assert sms_of(sandbox, phone, "report_closed") == []


def test_a_replayed_answer_is_refused(client, forwarded, sandbox, redis_client):
    report_id, phone = forwarded
    call = signed(report_id, CLOSED, "cmcc")
    assert post(client, *call) == (200, "ok")
    assert post(client, *call) == (401, "replayed")
    wait_until_worker_done(redis_client, report_id)
    assert len(sms_of(sandbox, phone, "report_closed")) == 1


def test_an_answer_from_another_operator_is_refused(client, forwarded, sandbox, redis_client):
    report_id, phone = forwarded
    assert post(client, *signed(report_id, CLOSED, "cucc")) == (403, "wrong_operator")
    assert post(client, *signed(report_id, CLOSED, "vno1")) == (403, "wrong_operator")
    wait_until_worker_done(redis_client, report_id)
    assert sms_of(sandbox, phone, "report_closed") == []
    assert post(client, *signed(report_id, CLOSED, "cmcc")) == (200, "ok")  # its own is taken


def test_an_answer_to_an_unknown_report_or_a_malformed_one_is_refused(client, forwarded):
    report_id, _ = forwarded
    unknown = "abcd" + "a" * 26
    assert post(client, *signed(unknown, CLOSED, "cmcc")) == (404, "not_found")
    for body in (
        {"answer": "closed"},
        {"answer": "closed", "count": 0},
        {"answer": "closed", "count": True},
        {"answer": "confirmed", "count": 1},
        {"answer": "cancelled"},
        {"answer": "closed", "count": 1, "extra": 1},
        [1],
        b"not json",
    ):
        assert post(client, *signed(report_id, body, "cmcc")) == (422, "invalid_fields"), body
    too_big = signed(report_id, b" " * 5000, "cmcc")
    assert post(client, *too_big) == (413, "payload_too_large")
