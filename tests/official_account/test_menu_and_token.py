"""`flask wechat sync-menu` against the live sandbox, and the access token shared through Redis."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
import requests

from adapters.redis import keys as redis_keys
from adapters.wechat_menu import load_menu
from adapters.wechat_token import SharedTokenClient
from app.ports.partners import PartnerRejected


def sandbox_menu(settings):
    r = requests.get(f"{settings.sandbox_url}/_sandbox/wechat/menu", timeout=5)
    assert r.status_code == 200
    return r.json()["menu"]


def token_fetches(settings) -> int:
    r = requests.get(f"{settings.sandbox_url}/_sandbox/wechat/tokens", timeout=5)
    return int(r.json()["fetches"].get(settings.wechat_oa_appid, 0))


def forget_token(redis_client, settings) -> None:
    redis_client.delete(redis_keys.oa_access_token(settings.wechat_oa_appid))


def new_client(settings, redis_client) -> SharedTokenClient:
    """What each process builds (app/bootstrap.py): its own client on the shared Redis."""
    return SharedTokenClient(
        settings.wechat_oa_appid, settings.wechat_oa_secret, settings.wechat_api_base, redis_client
    )


def sync_menu(app, *args):
    return app.test_cli_runner().invoke(args=["wechat", "sync-menu", *args])


def test_sync_menu_pushes_the_menu_file(flask_app, settings, sandbox):
    requests.post(f"{settings.sandbox_url}/_sandbox/reset", timeout=5)
    assert sandbox_menu(settings) is None
    result = sync_menu(flask_app)
    assert result.exit_code == 0, result.output
    menu = sandbox_menu(settings)
    assert menu == load_menu(settings)
    (top,) = menu["button"]
    assert top["name"] == "政务服务"
    assert [b["name"] for b in top["sub_button"]] == ["一证通查", "解绑说明", "客服电话"]
    assert top["sub_button"][0] == {
        "type": "view",
        "name": "一证通查",
        "url": f"{settings.public_url}/h5/",
    }
    assert [b.get("key") for b in top["sub_button"][1:]] == ["GUIDES", "HOTLINES"]


def test_sync_menu_with_the_mini_program_configured(settings, sandbox):
    from app import create_app

    configured = replace(settings, wechat_oa_menu_pagepath="pages/index/index")
    result = sync_menu(create_app(configured))
    assert result.exit_code == 0, result.output
    service = sandbox_menu(settings)["button"][0]["sub_button"][0]
    assert service["type"] == "miniprogram"
    assert (service["appid"], service["pagepath"]) == (
        settings.wechat_mp_appid,
        "pages/index/index",
    )
    assert service["url"] == f"{settings.public_url}/h5/"


def test_dry_run_prints_and_pushes_nothing(flask_app, settings, sandbox):
    requests.post(f"{settings.sandbox_url}/_sandbox/reset", timeout=5)
    result = sync_menu(flask_app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == load_menu(settings)
    assert sandbox_menu(settings) is None


def test_a_stale_shared_token_is_replaced_once(flask_app, settings, redis_client, sandbox):
    key = redis_keys.oa_access_token(settings.wechat_oa_appid)
    redis_client.set(key, "revoked-token", ex=600)
    before = token_fetches(settings)
    result = sync_menu(flask_app)
    assert result.exit_code == 0, result.output
    assert token_fetches(settings) == before + 1
    assert redis_client.get(key) not in (None, b"revoked-token")
    assert 0 < redis_client.ttl(key) <= 7200 - 300


def test_wechat_down_is_a_clear_cli_error(flask_app, settings, redis_client, sandbox):
    forget_token(redis_client, settings)
    sandbox.fault("wechat", "error")
    result = sync_menu(flask_app)
    assert result.exit_code == 1
    assert "暂时无法连接微信" in result.output
    assert "Traceback" not in result.output


def test_the_sandbox_refuses_a_token_it_did_not_issue(settings, sandbox):
    r = requests.post(
        f"{settings.wechat_api_base}/cgi-bin/menu/create",
        params={"access_token": "not-a-token"},
        json={"button": [{"type": "click", "name": "客服电话", "key": "HOTLINES"}]},
        timeout=5,
    )
    assert r.json()["errcode"] == 40001


def test_two_processes_at_once_fetch_one_token(settings, redis_client, sandbox):
    forget_token(redis_client, settings)
    sandbox.fault("wechat", "slow", latency_ms=300)  # both ask while the first fetch is in flight
    before = token_fetches(settings)
    clients = [new_client(settings, redis_client) for _ in range(2)]
    start, tokens = threading.Barrier(2), [""] * 2

    def fetch(i: int) -> None:
        start.wait()
        tokens[i] = clients[i].shared_token()

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert token_fetches(settings) == before + 1
    assert tokens[0] and tokens[0] == tokens[1]
    sandbox.clear_faults()
    clients[0].publish(load_menu(settings))  # the token is the live one
    assert not redis_client.exists(redis_keys.oa_access_token_lock(settings.wechat_oa_appid))


def test_many_concurrent_callers_still_fetch_once(settings, redis_client, sandbox):
    threads = 6
    forget_token(redis_client, settings)
    before = token_fetches(settings)
    tokens: list[str] = []
    workers = [
        threading.Thread(
            target=lambda: tokens.append(new_client(settings, redis_client).shared_token())
        )
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert len(tokens) == threads and len(set(tokens)) == 1
    assert token_fetches(settings) == before + 1


def test_wechat_failing_after_the_token_is_a_clear_cli_error(flask_app, settings, sandbox):
    assert sync_menu(flask_app).exit_code == 0  # the token is now shared in Redis
    sandbox.fault("wechat", "error")
    result = sync_menu(flask_app)
    assert result.exit_code == 1
    assert "暂时无法连接微信" in result.output


def test_a_menu_wechat_refuses_names_its_errcode(settings, redis_client, sandbox):
    client = new_client(settings, redis_client)
    too_many = {"button": [{"type": "click", "name": "客服电话", "key": "HOTLINES"}] * 4}
    with pytest.raises(PartnerRejected) as refused:
        client.publish(too_many)
    assert "40016" in str(refused.value)
