"""Platform notices under the stack: a query submitted with notify ends with exactly one result
SMS and exactly one notice on the user's platform (the real worker, the sandbox over HTTP)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import requests

from adapters.notices.wechat import WeChatClients, WeChatSubscribe
from adapters.redis import keys as redis_keys
from app.domain.platforms import WECHAT_OA
from app.ports.identity import PlatformUser
from app.ports.messages import Notice, NoticeUnavailable
from app.services.caller import Caller
from tests.broker_state import wait_until_worker_done
from tests.integration.flows import (
    accounts_person,
    login,
    phone_cards_person,
    request_code,
    submit,
    wait_status,
)
from tests.support import Sandbox

CHANNELS = {"wechat": "wechat_subscribe", "alipay": "alipay_template"}


def notices_of(sandbox: Sandbox, user: str) -> list[dict[str, Any]]:
    r = requests.get(f"{sandbox.url}/_sandbox/notices", params={"user": user}, timeout=5)
    assert r.status_code == 200
    return r.json()["notices"]


def values(notice: dict[str, Any]) -> dict[str, str]:
    return {keyword: item["value"] for keyword, item in notice["data"].items()}


def audit_notice(redis_client: Any, ticket: str) -> str:
    for _, fields in redis_client.xrevrange(redis_keys.audit_stream(), count=200):
        if fields.get(b"ticket") == ticket.encode():
            return str(fields[b"notice"].decode())
    raise AssertionError("no audit event for the ticket")


def query_with_notice(
    client: Any, sandbox: Sandbox, form: dict[str, Any], platform: str, code: str
) -> str:
    token = login(client, platform, code)
    assert request_code(client, token, form).status_code == 202
    r = submit(client, token, form, sandbox.last_code(form["phone"]), notify=True)
    assert r.status_code == 202, r.get_json()
    ticket = str(r.get_json()["ticket"])
    wait_status(client, token, ticket, "delivered")
    return ticket


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_one_sms_and_one_notice_on_the_users_platform(client, sandbox, redis_client, platform):
    form = phone_cards_person(sandbox)
    code = f"n{secrets.token_hex(5)}"
    ticket = query_with_notice(client, sandbox, form, platform, code)
    wait_until_worker_done(redis_client, ticket)  # then no second SMS or notice can come
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]
    [notice] = notices_of(sandbox, f"sbx_{code}")
    assert notice["channel"] == CHANNELS[platform]
    assert notice["template"] == f"sbx-{'mp' if platform == 'wechat' else 'alipay'}-result"
    shown = values(notice)
    assert "已发送" in shown.values() and "结果已通过短信发送,请查收" in shown.values()
    assert f"{form['phone'][:3]}****{form['phone'][-4:]}" in shown.values()
    assert "移动电话卡查询" in shown.values()
    assert audit_notice(redis_client, ticket) == "sent"


def test_h5_users_get_an_official_account_template_message(
    flask_app, worker, sandbox, redis_client
):
    api = flask_app.extensions["yzt"]  # its queue is the real worker's
    form = accounts_person(sandbox, {"wechat": 2, "douyin": 1})
    user = f"sbx_h5{secrets.token_hex(4)}"
    caller = Caller(PlatformUser(WECHAT_OA, user), "127.0.0.1")
    api.request_code(caller, form)
    data = {**form, "code": sandbox.last_code(form["phone"]), "notify": True}
    ticket = api.submit_query(caller, data).ticket
    wait_until_worker_done(redis_client, ticket)  # the notice went before the task ended
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_internet_accounts",
        "internet_accounts_result",
    ]
    [notice] = notices_of(sandbox, user)
    assert notice["channel"] == "wechat_template" and notice["template"] == "sbx-oa-result"
    assert values(notice)["thing1"] == "互联网账号查询"
    assert values(notice)["character_string3"] == f"{form['phone'][:3]}****{form['phone'][-4:]}"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_a_user_without_authorisation_gets_the_sms_and_no_notice(
    client, sandbox, redis_client, platform
):
    form = phone_cards_person(sandbox)
    code = f"refuse{secrets.token_hex(4)}"  # the sandbox: no subscription left (43101)
    ticket = query_with_notice(client, sandbox, form, platform, code)
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]
    assert notices_of(sandbox, f"sbx_{code}") == []
    assert audit_notice(redis_client, ticket) == "failed:no_authorisation"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_an_unreachable_platform_fails_only_the_notice(client, sandbox, redis_client, platform):
    form = phone_cards_person(sandbox)
    code = f"down{secrets.token_hex(4)}"
    token = login(client, platform, code)
    assert request_code(client, token, form).status_code == 202
    sandbox.fault(platform, "error")  # after login: the platform now answers 500
    r = submit(client, token, form, sandbox.last_code(form["phone"]), notify=True)
    ticket = r.get_json()["ticket"]
    wait_status(client, token, ticket, "delivered")
    sandbox.clear_faults()
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]
    assert notices_of(sandbox, f"sbx_{code}") == []
    assert audit_notice(redis_client, ticket).startswith("failed:")


def test_a_rotated_token_is_refreshed_and_the_notice_still_goes_once(client, sandbox, settings):
    first = phone_cards_person(sandbox)
    code1 = f"tok{secrets.token_hex(4)}"
    query_with_notice(client, sandbox, first, "wechat", code1)  # the worker now holds a token
    # Someone fetches /cgi-bin/token directly: WeChat rotates, the shared token goes stale.
    r = requests.get(
        f"{sandbox.url}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": settings.wechat_mp_appid,
            "secret": settings.wechat_mp_secret,
        },
        timeout=5,
    )
    assert "access_token" in r.json()
    second = phone_cards_person(sandbox)
    code2 = f"tok{secrets.token_hex(4)}"
    query_with_notice(client, sandbox, second, "wechat", code2)
    assert len(notices_of(sandbox, f"sbx_{code1}")) == 1
    assert len(notices_of(sandbox, f"sbx_{code2}")) == 1


def test_an_expired_token_is_refreshed_once_and_the_notice_goes(client, sandbox, settings):
    first = phone_cards_person(sandbox)
    query_with_notice(client, sandbox, first, "wechat", f"exp{secrets.token_hex(4)}")
    fetches = requests.get(f"{sandbox.url}/_sandbox/wechat/tokens", timeout=5).json()["fetches"]
    # two hours later: WeChat answers 42001 to the token the worker holds
    assert requests.post(f"{sandbox.url}/_sandbox/wechat/tokens/expire", timeout=5).ok
    second, code = phone_cards_person(sandbox), f"exp{secrets.token_hex(4)}"
    query_with_notice(client, sandbox, second, "wechat", code)
    assert len(notices_of(sandbox, f"sbx_{code}")) == 1
    after = requests.get(f"{sandbox.url}/_sandbox/wechat/tokens", timeout=5).json()["fetches"]
    assert after[settings.wechat_mp_appid] == fetches[settings.wechat_mp_appid] + 1


@pytest.mark.parametrize(("prefix", "errcode"), [("noticebusy", -1), ("noticefreq", 45011)])
def test_wechat_busy_or_rate_limited_fails_the_notice_not_the_query(
    client, sandbox, redis_client, prefix, errcode
):
    form = phone_cards_person(sandbox)
    ticket = query_with_notice(client, sandbox, form, "wechat", f"{prefix}{secrets.token_hex(4)}")
    assert [m["template"] for m in sandbox.sms(form["phone"])][-1] == "phone_cards_result"
    assert audit_notice(redis_client, ticket) == f"failed:errcode_{errcode}"


def test_no_notice_without_notify(client, sandbox):
    form = phone_cards_person(sandbox)
    code = f"quiet{secrets.token_hex(4)}"
    token = login(client, "wechat", code)
    request_code(client, token, form)
    ticket = submit(client, token, form, sandbox.last_code(form["phone"])).get_json()["ticket"]
    wait_status(client, token, ticket, "delivered")
    assert notices_of(sandbox, f"sbx_{code}") == []


def test_the_subscribe_channel_reports_an_unreachable_wechat(settings, redis_client):
    clients = WeChatClients("http://127.0.0.1:1", redis_client, 1.0)
    channel = WeChatSubscribe(
        lambda: clients.get("wx_unreachable", "secret"), "tpl", {"status": "phrase1"}
    )
    notice = Notice("t", {"status": "已发送"})
    with pytest.raises(NoticeUnavailable) as info:
        channel.send("sbx_nobody", notice)
    assert info.value.reason == "unreachable"
