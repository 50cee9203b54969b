"""The sandbox's notice endpoints (WeChat subscribe/template messages, Alipay's template
message), driven through wechatpy, python-alipay-sdk and plain HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.sandbox.conftest import LiveSandbox, set_fault
from tests.sandbox.platform_clients import MP, OA, SandboxWeChatClient, alipay_client

NOTICE = "alipay.open.app.mini.templatemessage.send"
DATA = {"thing1": {"value": "移动电话卡查询"}, "phrase2": {"value": "已发送"}}


def notices(live: LiveSandbox, user: str) -> list[dict[str, Any]]:
    r = requests.get(live.url("/_sandbox/notices"), params={"user": user}, timeout=5)
    return r.json()["notices"]


def token(live: LiveSandbox, app: tuple[str, str]) -> str:
    body = {"grant_type": "client_credential", "appid": app[0], "secret": app[1]}
    return str(
        requests.post(live.url("/cgi-bin/stable_token"), json=body, timeout=5).json()[
            "access_token"
        ]
    )


def post(live: LiveSandbox, kind: str, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
    url = live.url(f"/cgi-bin/message/{kind}/send")
    r = requests.post(url, params={"access_token": access_token}, json=body, timeout=5)
    return r.json()


def test_subscribe_message_through_wechatpy_is_recorded(live: LiveSandbox) -> None:
    client = SandboxWeChatClient(live.base_url, *MP)
    answer = client.wxa.send_subscribe_message("sbx_a", "tpl-1", DATA)
    assert answer["errcode"] == 0
    [notice] = notices(live, "sbx_a")
    assert notice["channel"] == "wechat_subscribe" and notice["template"] == "tpl-1"
    assert notice["data"] == DATA and notice["sent_at"].endswith("Z")


def test_template_message_through_wechatpy_is_recorded(live: LiveSandbox) -> None:
    client = SandboxWeChatClient(live.base_url, *OA)
    client.message.send_template("sbx_b", "tpl-oa", DATA)
    assert [n["channel"] for n in notices(live, "sbx_b")] == ["wechat_template"]


def test_tokens_must_be_the_apps_current_one(live: LiveSandbox) -> None:
    body = {"touser": "sbx_c", "template_id": "t", "data": DATA}
    assert post(live, "subscribe", token(live, OA), body)["errcode"] == 40001  # another app's
    assert post(live, "subscribe", "made-up", body)["errcode"] == 40001
    old = token(live, MP)
    requests.get(
        live.url("/cgi-bin/token"),
        params={"grant_type": "client_credential", "appid": MP[0], "secret": MP[1]},
        timeout=5,
    )  # rotates: the old token is dead
    assert post(live, "subscribe", old, body)["errcode"] == 40001
    assert post(live, "subscribe", token(live, MP), body)["errcode"] == 0
    assert post(live, "template", token(live, MP), body)["errcode"] == 40001


@pytest.mark.parametrize(
    "data",
    [
        {"thing1": {"value": "一" * 21}},
        {"phrase2": {"value": "已发送了短信"}},
        {"phrase2": {"value": "OK"}},
        {"character_string3": {"value": "1" * 33}},
        {"thing1": {"value": ""}},
        {},
    ],
)
def test_field_limits_are_enforced(live: LiveSandbox, data: dict[str, Any]) -> None:
    body = {"touser": "sbx_d", "template_id": "t", "data": data}
    assert post(live, "subscribe", token(live, MP), body)["errcode"] == 47003
    assert notices(live, "sbx_d") == []


def test_a_user_without_subscription_is_refused(live: LiveSandbox) -> None:
    body = {"touser": "sbx_refuse1", "template_id": "t", "data": DATA}
    assert post(live, "subscribe", token(live, MP), body)["errcode"] == 43101
    assert notices(live, "sbx_refuse1") == []


def test_wechat_faults_apply(live: LiveSandbox) -> None:
    set_fault(live, "wechat", "error")
    url = live.url("/cgi-bin/message/subscribe/send")
    assert requests.post(url, params={"access_token": "x"}, json={}, timeout=5).status_code == 500


def alipay_send(live: LiveSandbox, keys_dir: Path, user: str, data: dict[str, Any]) -> Any:
    biz = {"to_open_id": user, "user_template_id": "tpl-ali", "data": json.dumps(data)}
    return alipay_client(live, keys_dir).server_api(NOTICE, biz_content=biz)


def test_alipay_template_message_is_signed_and_recorded(live: LiveSandbox, keys_dir: Path) -> None:
    answer = alipay_send(live, keys_dir, "sbx_e", {"keyword1": {"value": "已发送"}})
    assert answer["code"] == "10000"  # the SDK verified the sandbox's signature
    [notice] = notices(live, "sbx_e")
    assert notice["channel"] == "alipay_template" and notice["template"] == "tpl-ali"
    assert notice["data"] == {"keyword1": {"value": "已发送"}}


@pytest.mark.parametrize(
    ("user", "value", "sub_code"),
    [("sbx_f", "长" * 51, "INVALID_PARAMETER"), ("sbx_refuse2", "已发送", "USER_NOT_SUBSCRIBED")],
)
def test_alipay_refusals_are_signed_business_failures(
    live: LiveSandbox, keys_dir: Path, user: str, value: str, sub_code: str
) -> None:
    answer = alipay_send(live, keys_dir, user, {"keyword1": {"value": value}})
    assert (answer["code"], answer["sub_code"]) == ("40004", sub_code)
    assert notices(live, user) == []


def test_reset_forgets_raw_cloud_requests(live: LiveSandbox) -> None:
    assert requests.get(live.url("/_sandbox/sms/raw"), timeout=5).json() == {"requests": []}
