"""Per-user and per-IP limits on code requests, at their exact points."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from adapters.redis import keys as redis_keys
from tests.integration.flows import accounts_person, login, phone_cards_person, request_code


@pytest.fixture(scope="module")
def tight_client(settings, worker):
    from app import create_app

    app = create_app(replace(settings, code_limit_per_user_day=3, code_limit_per_ip_hour=5))
    return app.test_client()


def random_ip() -> dict[str, dict[str, str]]:
    return {
        "environ_base": {"REMOTE_ADDR": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.7"}
    }


def test_a_user_gets_three_codes_then_429(tight_client, sandbox):
    token = login(tight_client)
    statuses = [
        request_code(tight_client, token, accounts_person(sandbox, {}), **random_ip()).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]


def test_an_ip_gets_five_codes_then_429_across_users(tight_client, sandbox):
    ip = random_ip()
    statuses = []
    for _ in range(6):
        token = login(tight_client)
        statuses.append(
            request_code(tight_client, token, accounts_person(sandbox, {}), **ip).status_code
        )
    assert statuses == [202] * 5 + [429]


def test_a_refused_request_counts_against_no_limit(tight_client, sandbox):
    token = login(tight_client)
    ip = random_ip()
    form = accounts_person(sandbox, {})
    assert request_code(tight_client, token, form, **ip).status_code == 202
    for _ in range(5):  # the phone's quota refuses these; they must not use up the user's day
        r = request_code(tight_client, token, form, **ip)
        assert r.status_code == 429 and r.get_json()["error"]["retry_after"] > 0
    assert request_code(tight_client, token, accounts_person(sandbox, {}), **ip).status_code == 202


def test_the_global_ceiling_on_code_sms_per_minute(settings, worker, sandbox, redis_client):
    from app import create_app

    now = time.time()
    if now % 60 > 45:  # the budget is per clock minute: don't straddle one
        time.sleep(61 - now % 60)
    sent_this_minute = int(redis_client.get(redis_keys.code_budget(int(time.time()) // 60)) or 0)
    app = create_app(replace(settings, code_limit_global_per_minute=sent_this_minute + 2))
    client = app.test_client()
    answers = [
        request_code(client, login(client), accounts_person(sandbox, {}), **random_ip())
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    error = answers[-1].get_json()["error"]
    assert error["message"] == "当前使用人数较多,请稍后再试"
    assert 0 < error["retry_after"] <= 60


def test_enumerating_ids_against_one_phone_stops_at_the_second_request(tight_client, sandbox):
    form = phone_cards_person(sandbox)
    ip = random_ip()
    answers = []
    for _ in range(3):
        guess = {**form, "id_number": phone_cards_person(sandbox)["id_number"]}
        answers.append(request_code(tight_client, login(tight_client), guess, **ip))
    assert [a.status_code for a in answers] == [202, 429, 429]
    assert answers[1].get_json()["error"]["message"] == "24小时才能获取一次验证码,请稍后再试"


def test_enumerating_phones_against_one_id_stops_at_the_second_request(tight_client, sandbox):
    form = phone_cards_person(sandbox)
    statuses = [
        request_code(
            tight_client,
            login(tight_client),
            {**form, "phone": phone_cards_person(sandbox)["phone"]},
            **random_ip(),
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 429, 429]


def ipv6_host(network: str) -> dict[str, dict[str, str]]:
    """Any address of one /64: a subscriber picks them at will."""
    host = ":".join(f"{random.randint(0, 0xFFFF):x}" for _ in range(4))
    return {"environ_base": {"REMOTE_ADDR": f"{network}:{host}"}}


def test_an_ipv6_64_is_one_client_for_the_code_limit(tight_client, sandbox):
    network = f"2001:db8:{random.randint(0, 0xFFFF):x}:{random.randint(0, 0xFFFF):x}"
    statuses = []
    for _ in range(6):
        token = login(tight_client)
        form = accounts_person(sandbox, {})
        statuses.append(request_code(tight_client, token, form, **ipv6_host(network)).status_code)
    assert statuses == [202] * 5 + [429]


@pytest.fixture(scope="module")
def login_limited_client(settings, worker):
    from app import create_app

    return create_app(replace(settings, login_limit_per_ip_minute=4)).test_client()


def test_logins_are_limited_per_network_before_reaching_the_platform(login_limited_client, sandbox):
    network = f"2001:db8:{random.randint(0, 0xFFFF):x}:{random.randint(0, 0xFFFF):x}"
    body = {"platform": "wechat", "code": "limited"}
    statuses = [
        login_limited_client.post("/api/v1/sessions", json=body, **ipv6_host(network)).status_code
        for _ in range(5)
    ]
    assert statuses == [201] * 4 + [429]
    refused = login_limited_client.post("/api/v1/sessions", json=body, **ipv6_host(network))
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    elsewhere = {"environ_base": {"REMOTE_ADDR": f"10.9.{random.randint(0, 255)}.1"}}
    assert login_limited_client.post("/api/v1/sessions", json=body, **elsewhere).status_code == 201
