"""Alibaba Cloud and Tencent Cloud SMS through their real SDKs, against the sandbox's emulation
of each API (sandbox/sms_clouds.py), which verifies the SDK's signature and keeps the raw
request."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
import requests

from app.config import Settings
from app.domain.errors import SmsRateLimited
from app.ports.identity import PlatformUser
from app.ports.messages import SmsError, SmsThrottled, SmsUncertain
from app.services.caller import Caller
from app.wiring import files, outside
from app.wiring.api import build_api
from tests.integration.crash_replay import accept_held, run_then_replay_crash
from tests.integration.flows import login, phone_cards_person, request_code
from tests.support import Sandbox, make_phone

CODE_PARAMS = {"code": "482913"}
CODE = "code_phone_cards"


def gateway(settings: Settings, provider: str, **changes: Any) -> Any:
    changed = replace(settings, sms_provider=provider, **changes)
    return outside.sms_gateway(changed, files.templates(changed))


def raw_requests(sandbox: Sandbox, provider: str) -> list[dict[str, Any]]:
    r = requests.get(f"{sandbox.url}/_sandbox/sms/raw", params={"provider": provider}, timeout=5)
    assert r.status_code == 200
    return r.json()["requests"]


def test_aliyun_sends_exactly_this_request(settings, sandbox):
    phone = make_phone()
    message_id = gateway(settings, "aliyun").send(phone, CODE, CODE_PARAMS, "key-aliyun-1")
    assert message_id
    raw = raw_requests(sandbox, "aliyun")[-1]
    assert (raw["method"], raw["path"], raw["body"]) == ("POST", "/", "")
    assert raw["query"] == {
        "OutId": "key-aliyun-1",
        "PhoneNumbers": phone,
        "SignName": "一证通查",
        "TemplateCode": "SMS_480000001",
        "TemplateParam": '{"code":"482913"}',
    }
    headers = raw["headers"]
    assert headers["x-acs-action"] == "SendSms"
    assert headers["x-acs-version"] == "2017-05-25"
    assert headers["x-acs-content-sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of b""
    )
    assert headers["Authorization"].startswith(
        "ACS3-HMAC-SHA256 Credential=sandbox-aliyun-ak,SignedHeaders=accept;host;"
    )
    [message] = sandbox.sms(phone)
    assert message["template"] == CODE and message["params"] == CODE_PARAMS
    assert message["text"] == (
        "【一证通查】您的验证码为482913,5分钟内有效。您正在使用“移动电话卡”查询服务,请勿将验证码告知他人。"
    )


def test_tencent_sends_exactly_this_request(settings, sandbox):
    phone = make_phone()
    gateway(settings, "tencent").send(phone, CODE, CODE_PARAMS, "key-tencent-1")
    raw = raw_requests(sandbox, "tencent")[-1]
    assert (raw["method"], raw["path"], raw["query"]) == ("POST", "/", {})
    assert json.loads(raw["body"]) == {
        "PhoneNumberSet": [f"+86{phone}"],
        "SmsSdkAppId": "1400000000",
        "TemplateId": "2000001",
        "SignName": "一证通查",
        "TemplateParamSet": ["482913"],  # one variable: Tencent allows 0-6 digits in a code
        "SessionContext": "key-tencent-1",
    }
    headers = raw["headers"]
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(
        r"TC3-HMAC-SHA256 Credential=sandbox-tencent-id/\d{4}-\d\d-\d\d/sms/tc3_request, "
        r"SignedHeaders=content-type;host, Signature=[0-9a-f]{64}",
        headers["Authorization"],
    )
    [message] = sandbox.sms(phone)
    assert message["params"] == CODE_PARAMS and message["text"].startswith(
        "【一证通查】您的验证码为482913"
    )


@pytest.mark.parametrize(
    ("provider", "changes", "code"),
    [
        ("aliyun", {"aliyun_access_key_secret": "wrong"}, "SignatureDoesNotMatch"),
        ("aliyun", {"aliyun_access_key_id": "nobody"}, "InvalidAccessKeyId.NotFound"),
        ("tencent", {"tencent_secret_key": "wrong"}, "AuthFailure.SignatureFailure"),
        ("tencent", {"tencent_sms_app_id": "1400999999"}, "InvalidParameterValue.SdkAppIdNotExist"),
        ("aliyun", {"sms_signature": "别的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
    ],
)
def test_bad_keys_and_settings_are_refusals_and_nothing_is_sent(
    settings, sandbox, provider, changes, code
):
    phone = make_phone()
    with pytest.raises(SmsError) as info:
        gateway(settings, provider, **changes).send(phone, "mismatch", {}, "key-bad")
    assert type(info.value) is SmsError and str(info.value) == code
    assert sandbox.sms(phone) == []


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("aliyun", "isv.BUSINESS_LIMIT_CONTROL"),
        # the answer of Tencent's frequency policy (安全设置 / 发送频率限制): a throttle too
        ("tencent", "LimitExceeded.DeliveryFrequencyLimit"),
    ],
)
def test_per_number_limits_are_throttled(settings, sandbox, provider, code):
    sandbox.fault("sms", "limit")
    with pytest.raises(SmsThrottled) as info:
        gateway(settings, provider).send(make_phone(), CODE, CODE_PARAMS, "key-limit")
    assert str(info.value) == code and info.value.retry_after_s == 60


def test_alibabas_default_limits_throttle_a_second_code_within_a_minute(settings, sandbox):
    sandbox.frequency(True)
    phone, sms = make_phone(), gateway(settings, "aliyun")
    sms.send(phone, CODE, CODE_PARAMS, "k1")
    with pytest.raises(SmsThrottled) as info:
        sms.send(phone, "code_internet_accounts", CODE_PARAMS, "k2")  # same signature, same number
    assert str(info.value) == "isv.BUSINESS_LIMIT_CONTROL" and info.value.retry_after_s == 60
    sms.send(phone, "mismatch", {}, "k3")  # a notification: 50 a day per template
    assert [r["code"] for r in sandbox.refusals(phone)] == ["aliyun.minute"]


def test_tencents_default_limits_allow_two_messages_a_day(settings, sandbox):
    """Tencent's default policy: 2 a calendar day per number; a query already sends two."""
    sandbox.frequency(True)
    phone, sms = make_phone(), gateway(settings, "tencent")
    sms.send(phone, CODE, CODE_PARAMS, "k1")
    sms.send(phone, "mismatch", {}, "k2")
    with pytest.raises(SmsThrottled) as info:
        sms.send(phone, "unavailable", {}, "k3")
    assert str(info.value) == "LimitExceeded.PhoneNumberDailyLimit"
    assert info.value.retry_after_s == 86400
    assert [m["template"] for m in sandbox.sms(phone)] == [CODE, "mismatch"]


@pytest.mark.parametrize(
    ("provider", "params", "code"),
    [
        ("aliyun", {"code": "12345a"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
        ("aliyun", {"code": "123"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
        ("tencent", {"code": "12a456"}, "InvalidParameterValue.TemplateParameterFormatError"),
    ],
)
def test_a_code_value_the_provider_refuses(settings, sandbox, provider, params, code):
    phone = make_phone()
    with pytest.raises(SmsError) as info:
        gateway(settings, provider).send(phone, CODE, params, "k-bad")
    assert str(info.value) == code and not isinstance(info.value, SmsThrottled)
    assert sandbox.sms(phone) == [] and [r["code"] for r in sandbox.refusals(phone)] == [code]


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_code_through_the_api_reaches_the_phone_with_one_variable(
    settings, sandbox, worker, provider
):
    from app import create_app

    client = create_app(replace(settings, sms_provider=provider)).test_client()
    form = phone_cards_person(sandbox)
    assert request_code(client, login(client), form).status_code == 202
    [message] = sandbox.sms(form["phone"])
    assert message["template"] == CODE and list(message["params"]) == ["code"]
    assert message["text"].startswith(f"【一证通查】您的验证码为{message['params']['code']},5分钟")


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_throttled_code_is_429_with_retry_after_and_the_quota_back(
    settings, sandbox, worker, provider
):
    from app import create_app

    client = create_app(replace(settings, sms_provider=provider)).test_client()
    token, form = login(client), phone_cards_person(sandbox)
    sandbox.fault("sms", "limit")
    r = request_code(client, token, form)
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    assert r.get_json()["error"]["code"] == "sms_rate_limited"
    assert r.get_json()["error"]["retry_after"] == 60
    sandbox.clear_faults()
    assert request_code(client, token, form).status_code == 202  # the quota came back


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_failing_gateway_is_an_error_and_a_silent_one_is_uncertain(settings, sandbox, provider):
    sandbox.fault("sms", "error")
    with pytest.raises(SmsError) as info:
        gateway(settings, provider).send(make_phone(), "mismatch", {}, "key-500")
    assert not isinstance(info.value, SmsUncertain)
    sandbox.fault("sms", "timeout")
    with pytest.raises(SmsUncertain):
        gateway(settings, provider, sms_timeout_s=0.5).send(make_phone(), "mismatch", {}, "k")


def test_tencent_gets_a_short_list_of_what_could_not_be_checked(settings, sandbox):
    phone = make_phone()
    params = {p: "1" for p in ("wechat", "qq", "xianyu", "dingtalk", "alipay", "baidu")}
    params |= {p: "1" for p in ("kuaishou", "douyin", "jd", "meituan")}
    params |= {"taobao": "-", "total": "10", "unavailable": "淘宝、闲鱼、钉钉"}
    gateway(settings, "tencent").send(phone, "internet_accounts_partial", params, "key-partial")
    [message] = sandbox.sms(phone)
    assert message["params"]["unavailable"] == "部分企业"
    assert message["text"].endswith("部分企业暂时无法查询,请稍后重试,本次不计入查询次数。")


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_refused_code_sms_gives_the_quota_back(settings, sandbox, provider):
    api = build_api(replace(settings, sms_provider=provider))
    form = phone_cards_person(sandbox)
    caller = Caller(PlatformUser("wechat", f"sbx_quota_{provider}"), "127.0.0.1")
    sandbox.fault("sms", "limit")
    with pytest.raises(SmsRateLimited):
        api.request_code(caller, form)
    sandbox.clear_faults()
    assert api.request_code(caller, form).sent_to.endswith(form["phone"][-4:])


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_query_through_a_cloud_gateway_sends_one_result_even_when_run_again(
    settings, sandbox, redis_client, provider
):
    cloud = replace(settings, sms_provider=provider)
    api = build_api(cloud)
    assert api.request_code.sms.idempotent is False
    ticket, form = accept_held(api, sandbox, f"sbx_cloud_{provider}")
    run_then_replay_crash(cloud, ticket, redis_client)
    messages = sandbox.sms(form["phone"])
    assert [m["template"] for m in messages] == ["code_phone_cards", "phone_cards_result"]
    assert messages[-1]["text"].startswith("【一证通查】您查询的证件号码名下共有在网移动电话卡1张")


def test_the_sandbox_gateway_sends_the_same_on_the_event_loop(settings, sandbox):
    """send_async (the worker's path) maps answers as send does; the gateway dedupes on the key."""
    import asyncio

    sms = gateway(settings, "sandbox", sms_timeout_s=0.5)

    async def attempt(phone: str, key: str) -> str | type[Exception]:
        try:
            return str(await sms.send_async(phone, CODE, CODE_PARAMS, key))
        except SmsError as exc:
            return type(exc)

    async def scenario() -> None:
        phone = make_phone()
        first = await attempt(phone, "key-async")
        assert isinstance(first, str) and first == await attempt(phone, "key-async")
        assert [m["template"] for m in sandbox.sms(phone)] == [CODE]  # deduped on the key
        for fault, expected in (
            ("limit", SmsThrottled),
            ("error", SmsError),
            ("timeout", SmsError),
        ):
            sandbox.fault("sms", fault)
            assert await attempt(make_phone(), f"key-{fault}") is expected, fault

    try:
        asyncio.run(scenario())
    finally:
        sandbox.clear_faults()
