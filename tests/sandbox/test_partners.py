"""Operators and companies: the signed protocol, the answers, and injected faults."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from adapters import partner_signing
from tests.sandbox.conftest import (
    LiveSandbox,
    partner_post,
    partner_secret,
    put_person,
    set_fault,
    signed_post,
)

ID_A = "11010519491231002X"
ID_B = "440301199001011234"
ID_C = "320102198802023456"
CARDS_PATH = "/partners/cmcc/v1/cards/query"
CARDS_BODY = {"id_number": ID_A, "name": "张三", "phone": "13800138000"}


# --- signatures ---------------------------------------------------------------------------


def test_signed_request_is_answered(live: LiveSandbox) -> None:
    response = signed_post(live, CARDS_PATH, CARDS_BODY, partner_secret("cmcc"))
    assert response.status_code == 200
    answer = response.json()
    assert answer.pop("reference").startswith("cmcc-")  # docs/partner-protocol.md, reports
    assert answer == {"cards": [], "phone_status": "none"}


def test_wrong_key_is_a_bad_signature(live: LiveSandbox) -> None:
    response = signed_post(live, CARDS_PATH, CARDS_BODY, partner_secret("cucc"))
    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


def test_signature_for_another_path_is_refused(live: LiveSandbox) -> None:
    raw = json.dumps(CARDS_BODY).encode()
    secret = partner_secret("cmcc")
    headers = partner_signing.signed_headers("yzt", secret, "POST", "/partners/cmcc/v1/x", raw)
    response = requests.post(live.url(CARDS_PATH), data=raw, headers=headers, timeout=5)
    assert response.json() == {"error": "bad_signature"}


def test_tampered_body_is_refused(live: LiveSandbox) -> None:
    raw = json.dumps(CARDS_BODY).encode()
    headers = partner_signing.signed_headers("yzt", partner_secret("cmcc"), "POST", CARDS_PATH, raw)
    tampered = raw.replace(b"13800138000", b"13800138001")
    response = requests.post(live.url(CARDS_PATH), data=tampered, headers=headers, timeout=5)
    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


def test_stale_timestamp_is_refused(live: LiveSandbox) -> None:
    stale = time.time() - 301 - 5
    response = signed_post(live, CARDS_PATH, CARDS_BODY, partner_secret("cmcc"), now=stale)
    assert (response.status_code, response.json()) == (401, {"error": "stale_timestamp"})


def test_missing_headers_are_refused(live: LiveSandbox) -> None:
    response = requests.post(live.url(CARDS_PATH), json=CARDS_BODY, timeout=5)
    assert (response.status_code, response.json()) == (401, {"error": "missing_headers"})


def test_replayed_nonce_is_refused(live: LiveSandbox) -> None:
    raw = json.dumps(CARDS_BODY).encode()
    headers = partner_signing.signed_headers("yzt", partner_secret("cmcc"), "POST", CARDS_PATH, raw)
    first = requests.post(live.url(CARDS_PATH), data=raw, headers=headers, timeout=5)
    second = requests.post(live.url(CARDS_PATH), data=raw, headers=headers, timeout=5)
    assert first.status_code == 200
    assert (second.status_code, second.json()) == (401, {"error": "replayed"})


@pytest.mark.parametrize("body", [[1, 2], {"id_number": ID_A, "name": "张三"}, "text"])
def test_malformed_body_is_a_bad_request(live: LiveSandbox, body: object) -> None:
    response = signed_post(live, CARDS_PATH, body, partner_secret("cmcc"))
    assert (response.status_code, response.json()) == (400, {"error": "bad_request"})


def test_unknown_partner_is_404(live: LiveSandbox) -> None:
    assert partner_post(live, "nobody", "cards/query", CARDS_BODY).status_code == 404
    # a company is not an operator, and the other way round
    assert partner_post(live, "tencent", "cards/query", CARDS_BODY).status_code == 404
    assert partner_post(live, "cmcc", "accounts/count", {}).status_code == 404


# --- cards/query --------------------------------------------------------------------------


def _zhang_san(live: LiveSandbox) -> None:
    put_person(
        live,
        ID_A,
        "张三",
        [
            ("cmcc", "13800138000", "active"),
            ("cmcc", "13900001234", "suspended"),
            ("cmcc", "13700005678", "cancelled"),
            ("cucc", "18600001111", "active"),
        ],
    )


def _cards(live: LiveSandbox, operator: str, **changes: str) -> dict:
    response = partner_post(live, operator, "cards/query", {**CARDS_BODY, **changes})
    assert response.status_code == 200
    answer = response.json()
    assert isinstance(answer.pop("reference"), str)  # every answer names the query
    return answer


def test_cards_in_service_at_this_operator(live: LiveSandbox) -> None:
    _zhang_san(live)
    assert _cards(live, "cmcc") == {
        "cards": [{"status": "active", "last4": "8000"}, {"status": "suspended", "last4": "1234"}],
        "phone_status": "active",
    }
    assert _cards(live, "cucc") == {
        "cards": [{"status": "active", "last4": "1111"}],
        "phone_status": "none",
    }
    assert _cards(live, "ctcc") == {"cards": [], "phone_status": "none"}


def test_phone_status_includes_suspended_and_cancelled(live: LiveSandbox) -> None:
    _zhang_san(live)
    assert _cards(live, "cmcc", phone="13900001234")["phone_status"] == "suspended"
    assert _cards(live, "cmcc", phone="13700005678")["phone_status"] == "cancelled"


def test_name_mismatch_or_unknown_id_gives_nothing(live: LiveSandbox) -> None:
    _zhang_san(live)
    empty = {"cards": [], "phone_status": "none"}
    assert _cards(live, "cmcc", name="李四") == empty
    assert _cards(live, "cmcc", id_number=ID_B) == empty


def test_put_person_replaces_them(live: LiveSandbox) -> None:
    _zhang_san(live)
    put_person(live, ID_A, "张三", [("vno1", "17000000001", "active")])
    assert _cards(live, "cmcc") == {"cards": [], "phone_status": "none"}
    assert _cards(live, "vno1")["cards"] == [{"status": "active", "last4": "0001"}]


# --- owner/verify -------------------------------------------------------------------------


def _owner(live: LiveSandbox, operator: str, phone: str, last6: str) -> dict:
    response = partner_post(live, operator, "owner/verify", {"phone": phone, "id_last6": last6})
    assert response.status_code == 200
    return response.json()


def test_owner_verify_follows_a_ported_number(live: LiveSandbox) -> None:
    # 张三 left cmcc; 李四 now holds the same number at ctcc (携号转网 and reuse).
    put_person(live, ID_A, "张三", [("cmcc", "13800138000", "cancelled")])
    put_person(live, ID_B, "李四", [("ctcc", "13800138000", "active")])
    assert _owner(live, "ctcc", "13800138000", "011234") == {
        "phone_status": "active",
        "id_last6_match": True,
    }
    assert _owner(live, "ctcc", "13800138000", "31002X")["id_last6_match"] is False
    assert _owner(live, "cmcc", "13800138000", "31002x") == {
        "phone_status": "cancelled",
        "id_last6_match": True,
    }
    assert _owner(live, "cucc", "13800138000", "31002X") == {
        "phone_status": "none",
        "id_last6_match": False,
    }


def test_current_holder_beats_a_former_one(live: LiveSandbox) -> None:
    put_person(live, ID_B, "李四", [("cmcc", "13800138000", "suspended")])
    put_person(live, ID_A, "张三", [("cmcc", "13800138000", "cancelled")])
    assert _owner(live, "cmcc", "13800138000", "011234") == {
        "phone_status": "suspended",
        "id_last6_match": True,
    }


def test_last_cancelled_holder_wins(live: LiveSandbox) -> None:
    put_person(live, ID_A, "张三", [("cmcc", "13800138000", "cancelled")])
    put_person(live, ID_C, "王五", [("cmcc", "13800138000", "cancelled")])
    assert _owner(live, "cmcc", "13800138000", "023456")["id_last6_match"] is True
    assert _owner(live, "cmcc", "13800138000", "31002X")["id_last6_match"] is False


# --- accounts/count -----------------------------------------------------------------------


def test_accounts_count_per_product(live: LiveSandbox) -> None:
    accounts = {"wechat": 1, "qq": 2, "taobao": 0}
    url = live.url("/_sandbox/phones/13800138000/accounts")
    assert requests.put(url, json=accounts, timeout=5).status_code == 204
    body = {"phone": "13800138000", "products": ["wechat", "qq"]}
    assert partner_post(live, "tencent", "accounts/count", body).json() == {
        "counts": {"wechat": 1, "qq": 2}
    }
    body = {"phone": "13800138000", "products": ["taobao", "xianyu", "dingtalk"]}
    assert partner_post(live, "alibaba", "accounts/count", body).json() == {
        "counts": {"taobao": 0, "xianyu": 0, "dingtalk": 0}
    }
    body = {"phone": "13900000000", "products": ["jd"]}
    assert partner_post(live, "jd", "accounts/count", body).json() == {"counts": {"jd": 0}}


def test_accounts_count_refuses_another_companys_product(live: LiveSandbox) -> None:
    body = {"phone": "13800138000", "products": ["wechat", "taobao"]}
    response = partner_post(live, "tencent", "accounts/count", body)
    assert (response.status_code, response.json()) == (400, {"error": "bad_request"})


# --- faults -------------------------------------------------------------------------------


def test_error_fault_answers_500_for_that_partner_only(live: LiveSandbox) -> None:
    set_fault(live, "cmcc", "error")
    response = partner_post(live, "cmcc", "cards/query", CARDS_BODY)
    assert (response.status_code, response.json()) == (500, {"error": "injected"})
    assert partner_post(live, "cucc", "cards/query", CARDS_BODY).status_code == 200
    assert requests.delete(live.url("/_sandbox/faults"), timeout=5).status_code == 204
    assert partner_post(live, "cmcc", "cards/query", CARDS_BODY).status_code == 200


def test_timeout_fault_never_answers_in_time(live: LiveSandbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sandbox")  # the access log
    set_fault(live, "tencent", "timeout")
    body = {"phone": "13800138000", "products": ["wechat"]}
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        signed_post(
            live,
            "/partners/tencent/v1/accounts/count",
            body,
            b"sandbox-secret-tencent",
            timeout=0.4,
        )
    assert time.monotonic() - started < 2
    # The abandoned handler notices the closed connection and ends: its access-log line says
    # so. Only then is "it ended quietly" something the logs can show.
    deadline = time.monotonic() + 5
    while "POST /partners/tencent/v1/accounts/count 504" not in caplog.text:
        assert time.monotonic() < deadline, "the abandoned handler never ended"
        time.sleep(0.02)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_slow_fault_adds_latency(live: LiveSandbox) -> None:
    set_fault(live, "ctcc", "slow", latency_ms=300)
    started = time.monotonic()
    assert partner_post(live, "ctcc", "cards/query", CARDS_BODY).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_reset_forgets_faults(live: LiveSandbox) -> None:
    set_fault(live, "cmcc", "error")
    assert requests.post(live.url("/_sandbox/reset"), timeout=5).status_code == 204
    assert partner_post(live, "cmcc", "cards/query", CARDS_BODY).status_code == 200


# --- batch endpoints (docs/partner-protocol.md, "Batches") ----------------------------------


def traffic(live: LiveSandbox) -> dict[str, dict[str, int]]:
    partners: dict[str, dict[str, int]] = requests.get(
        live.url("/_sandbox/traffic"), timeout=5
    ).json()["partners"]
    return partners


def test_a_batch_answers_each_query_by_its_ref(live: LiveSandbox) -> None:
    put_person(live, ID_A, "张三", [("cmcc", "13800138000", "active")])
    queries = [
        {"ref": "b", "id_number": ID_A, "name": "张三", "phone": "13800138000"},
        {"ref": "a", "id_number": ID_B, "name": "李四", "phone": "13900139000"},
        {"ref": "c", "id_number": ID_A, "name": "张三"},  # no phone: this query alone is bad
    ]
    response = partner_post(live, "cmcc", "cards/query/batch", {"queries": queries})
    assert response.status_code == 200
    answers = response.json()["answers"]
    references = [answer.pop("reference", None) for answer in answers]
    assert answers == [
        {"ref": "b", "cards": [{"status": "active", "last4": "8000"}], "phone_status": "active"},
        {"ref": "a", "cards": [], "phone_status": "none"},
        {"ref": "c", "error": "bad_request"},
    ]
    # each answered query has its own reference for a later 非本人 report, as when sent alone
    assert references[0] and references[1] and references[0] != references[1]
    assert references[2] is None
    assert traffic(live)["partners/cmcc"] == {"requests": 1, "queries": 3, "connections": 1}


def test_owner_and_accounts_batches(live: LiveSandbox) -> None:
    put_person(live, ID_A, "张三", [("ctcc", "13800138000", "active")])
    owner = partner_post(
        live,
        "ctcc",
        "owner/verify/batch",
        {"queries": [{"ref": "1", "phone": "13800138000", "id_last6": ID_A[-6:].lower()}]},
    )
    assert owner.json() == {
        "answers": [{"ref": "1", "phone_status": "active", "id_last6_match": True}]
    }
    requests.put(live.url("/_sandbox/phones/13800138000/accounts"), json={"wechat": 2}, timeout=5)
    counts = partner_post(
        live,
        "tencent",
        "accounts/count/batch",
        {"queries": [{"ref": "x", "phone": "13800138000", "products": ["wechat", "qq"]}]},
    )
    assert counts.json() == {"answers": [{"ref": "x", "counts": {"wechat": 2, "qq": 0}}]}


def test_a_partner_without_batches_has_no_batch_endpoint(live: LiveSandbox) -> None:
    for partner, op in (("vno2", "cards/query/batch"), ("meituan", "accounts/count/batch")):
        response = partner_post(live, partner, op, {"queries": [{"ref": "1", "phone": "1"}]})
        assert (response.status_code, response.json()) == (404, {"error": "no_batch_endpoint"})


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"queries": []},
        {"queries": {"ref": "1"}},
        {"queries": [{"phone": "13800138000", "id_last6": "31002X"}]},  # no ref
        {"queries": [{"ref": "1", "phone": "1", "id_last6": "1"}] * 2},  # the same ref twice
        {"queries": [{"ref": "a b", "phone": "1", "id_last6": "1"}]},
        {"queries": [{"ref": str(i), "phone": "1", "id_last6": "1"} for i in range(51)]},
    ],
)
def test_a_malformed_batch_is_refused_whole(live: LiveSandbox, body: object) -> None:
    response = partner_post(live, "cmcc", "owner/verify/batch", body)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_a_batch_is_signed_like_any_request(live: LiveSandbox) -> None:
    path = "/partners/cmcc/v1/cards/query/batch"
    body = {"queries": [{"ref": "1", **CARDS_BODY}]}
    response = signed_post(live, path, body, partner_secret("cucc"))
    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


def test_a_fault_of_some_numbers_fails_only_their_queries(live: LiveSandbox) -> None:
    response = requests.put(
        live.url("/_sandbox/faults/cmcc"),
        json={"mode": "error", "phones": ["13800138000"]},
        timeout=5,
    )
    assert response.status_code == 204
    queries = [
        {"ref": "1", "phone": "13800138000", "id_last6": "31002X"},
        {"ref": "2", "phone": "13900139000", "id_last6": "31002X"},
    ]
    batch = partner_post(live, "cmcc", "owner/verify/batch", {"queries": queries})
    assert batch.json()["answers"] == [
        {"ref": "1", "error": "unavailable"},
        {"ref": "2", "phone_status": "none", "id_last6_match": False},
    ]
    single = partner_post(
        live, "cmcc", "owner/verify", {k: v for k, v in queries[0].items() if k != "ref"}
    )
    assert single.status_code == 500
    other = partner_post(
        live, "cmcc", "owner/verify", {k: v for k, v in queries[1].items() if k != "ref"}
    )
    assert other.status_code == 200


def test_a_whole_partner_fault_fails_the_whole_batch(live: LiveSandbox) -> None:
    set_fault(live, "cmcc", "error")
    response = partner_post(
        live,
        "cmcc",
        "owner/verify/batch",
        {"queries": [{"ref": "1", "phone": "1", "id_last6": "1"}]},
    )
    assert response.status_code == 500
    assert traffic(live)["partners/cmcc"]["queries"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "error", "phones": "13800138000"},
        {"mode": "error", "phones": [1]},
        {"mode": "slow", "phones": ["13800138000"]},
    ],
)
def test_a_fault_of_some_numbers_must_be_well_formed(live: LiveSandbox, body: object) -> None:
    response = requests.put(live.url("/_sandbox/faults/cmcc"), json=body, timeout=5)
    assert response.status_code == 400
