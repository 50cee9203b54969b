"""WeChat and Alipay emulation, driven through the real SDKs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from urllib.request import urlopen

import pytest
import requests
from alipay.exceptions import AliPayException, AliPayValidationError
from wechatpy.exceptions import WeChatClientException

from tests.sandbox.conftest import LiveSandbox, set_fault
from tests.sandbox.platform_clients import MP, OA, OAUTH, SandboxWeChatClient, alipay_client

# --- WeChat -------------------------------------------------------------------------------


def test_jscode2session_gives_the_sandbox_identity(live: LiveSandbox) -> None:
    client = SandboxWeChatClient(live.base_url, *MP)
    session = client.wxa.code_to_session("abc")
    assert session["openid"] == "sbx_abc"
    assert len(base64.b64decode(session["session_key"])) == 16


@pytest.mark.parametrize("code", ["bad-code", ""])
def test_jscode2session_refuses_bad_codes(live: LiveSandbox, code: str) -> None:
    client = SandboxWeChatClient(live.base_url, *MP)
    with pytest.raises(WeChatClientException) as raised:
        client.wxa.code_to_session(code)
    assert raised.value.errcode == 40029


def test_wrong_secret_is_refused(live: LiveSandbox) -> None:
    client = SandboxWeChatClient(live.base_url, MP[0], "wrong")
    with pytest.raises(WeChatClientException) as raised:
        client.fetch_access_token()
    assert raised.value.errcode == 40125
    query = {"appid": OA[0], "secret": OA[1], "js_code": "x", "grant_type": "authorization_code"}
    answer = requests.get(live.url("/sns/jscode2session"), params=query, timeout=5).json()
    assert answer["errcode"] == 40125  # the official account has no mini-program login


def test_token_rotates_but_stable_token_does_not(live: LiveSandbox) -> None:
    query = {"grant_type": "client_credential", "appid": OA[0], "secret": OA[1]}
    first = requests.get(live.url("/cgi-bin/token"), params=query, timeout=5).json()
    second = requests.get(live.url("/cgi-bin/token"), params=query, timeout=5).json()
    assert first["expires_in"] == 7200 and first["access_token"] != second["access_token"]
    body: dict[str, Any] = {"grant_type": "client_credential", "appid": OA[0], "secret": OA[1]}
    stable = requests.post(live.url("/cgi-bin/stable_token"), json=body, timeout=5).json()
    assert stable["access_token"] == second["access_token"]
    body["force_refresh"] = True
    forced = requests.post(live.url("/cgi-bin/stable_token"), json=body, timeout=5).json()
    assert forced["access_token"] != second["access_token"]


@pytest.mark.parametrize(
    ("code", "errcode"),
    [("used-1", 40163), ("risky-1", 40226), ("freq-1", 45011), ("busy-1", -1), ("stale-1", 40001)],
)
def test_jscode2session_answers_each_documented_errcode(
    live: LiveSandbox, code: str, errcode: int
) -> None:
    query = {"appid": MP[0], "secret": MP[1], "js_code": code, "grant_type": "authorization_code"}
    answer = requests.get(live.url("/sns/jscode2session"), params=query, timeout=5).json()
    assert answer["errcode"] == errcode and answer["errmsg"]


def test_jscode2session_can_answer_without_openid_or_without_json(live: LiveSandbox) -> None:
    query = {"appid": MP[0], "secret": MP[1], "grant_type": "authorization_code"}
    answer = requests.get(
        live.url("/sns/jscode2session"), params={**query, "js_code": "noopenid-1"}, timeout=5
    )
    assert "openid" not in answer.json() and "errcode" not in answer.json()
    page = requests.get(
        live.url("/sns/jscode2session"), params={**query, "js_code": "nojson-1"}, timeout=5
    )
    assert page.status_code == 200 and page.text.startswith("<html>")


def test_wechat_error_fault(live: LiveSandbox) -> None:
    set_fault(live, "wechat", "error")
    with pytest.raises(WeChatClientException):
        SandboxWeChatClient(live.base_url, *MP).wxa.code_to_session("abc")


# --- Alipay -------------------------------------------------------------------------------


def test_oauth_token_gives_the_sandbox_identity(live: LiveSandbox, keys_dir: Path) -> None:
    answer = alipay_client(live, keys_dir).server_api(
        OAUTH, grant_type="authorization_code", code="X"
    )
    assert answer["user_id"] == "sbx_X" and answer["open_id"] == "sbx_X"
    assert answer["expires_in"] == 1296000 and answer["access_token"]


def test_bad_code_is_refused(live: LiveSandbox, keys_dir: Path) -> None:
    with pytest.raises(AliPayException) as raised:
        alipay_client(live, keys_dir).server_api(
            OAUTH, grant_type="authorization_code", code="bad1"
        )
    assert "isv.code-invalid" in str(raised.value)


def test_tampered_response_sign_fails_validation(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir)
    data = client.build_body(OAUTH, grant_type="authorization_code", code="X")
    raw = urlopen(client._gateway + "?" + client.sign_data(data), timeout=5).read().decode()
    sign = raw.rsplit('"sign":"', 1)[1].rstrip('"}')
    tampered = raw.replace(sign, ("A" if sign[0] != "A" else "B") + sign[1:])
    with pytest.raises(AliPayValidationError):
        client._verify_and_return_sync_response(tampered, "alipay_system_oauth_token_response")
    # the same holds when the app trusts another key than the gateway's
    with pytest.raises(AliPayValidationError):
        alipay_client(live, keys_dir, alipay_key="app").server_api(
            OAUTH, grant_type="authorization_code", code="X"
        )


def test_request_signed_with_another_key_is_refused(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir, app_key="alipay")
    with pytest.raises(AliPayException) as raised:
        client.server_api(OAUTH, grant_type="authorization_code", code="X")
    assert "isv.invalid-signature" in str(raised.value)


def test_wrong_app_id_and_method_are_refused(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir)
    client._appid = "2021999999999999"
    with pytest.raises(AliPayException) as raised:
        client.server_api(OAUTH, grant_type="authorization_code", code="X")
    assert "isv.invalid-app-id" in str(raised.value)
    with pytest.raises(AliPayException) as raised:
        alipay_client(live, keys_dir).server_api("alipay.user.info.share", auth_token="t")
    assert "isv.invalid-method" in str(raised.value)


def test_gateway_accepts_a_post_form(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir)
    data = client.build_body(OAUTH, grant_type="authorization_code", code="Y")
    form = dict(parse_qsl(client.sign_data(data)))
    raw = requests.post(client._gateway, data=form, timeout=5).text
    answer = client._verify_and_return_sync_response(raw, "alipay_system_oauth_token_response")
    assert answer["user_id"] == "sbx_Y"


@pytest.mark.parametrize(
    ("code", "sub_code"),
    [
        ("expired-1", "isv.code-expired"),
        ("authcode-1", "invalid-auth-code"),
        ("appid-1", "isv.invalid-app-id"),
        ("unknown-1", "isp.unknow-error"),
    ],
)
def test_oauth_token_answers_each_documented_error(
    live: LiveSandbox, keys_dir: Path, code: str, sub_code: str
) -> None:
    with pytest.raises(AliPayException) as raised:
        alipay_client(live, keys_dir).server_api(OAUTH, grant_type="authorization_code", code=code)
    assert f'"sub_code":"{sub_code}"' in str(raised.value)


@pytest.mark.parametrize(("code", "sub_code"), [("inbody-1", "isv.code-invalid"),
                                                 ("inbodybusy-1", "isp.unknow-error")])  # fmt: skip
def test_an_error_signed_inside_the_normal_answer(
    live: LiveSandbox, keys_dir: Path, code: str, sub_code: str
) -> None:
    answer = alipay_client(live, keys_dir).server_api(
        OAUTH, grant_type="authorization_code", code=code
    )
    assert answer["sub_code"] == sub_code and "user_id" not in answer  # verified, but no user


def test_no_json_and_a_bad_signature(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir)
    with pytest.raises(ValueError):  # the SDK's json.loads
        client.server_api(OAUTH, grant_type="authorization_code", code="nojson-1")
    with pytest.raises(AliPayValidationError):
        client.server_api(OAUTH, grant_type="authorization_code", code="wrongsign-1")


def test_a_timestamp_that_is_not_china_time_is_refused(live: LiveSandbox, keys_dir: Path) -> None:
    client = alipay_client(live, keys_dir)
    eight_hours_off = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")  # UTC read as China time
    with pytest.raises(AliPayException) as raised:
        client.server_api(
            OAUTH, grant_type="authorization_code", code="X", timestamp=eight_hours_off
        )
    assert "isv.invalid-timestamp" in str(raised.value)


def test_alipay_fault(live: LiveSandbox, keys_dir: Path) -> None:
    set_fault(live, "alipay", "error")
    with pytest.raises(OSError):  # urllib's HTTPError for the 500
        alipay_client(live, keys_dir).server_api(OAUTH, grant_type="authorization_code", code="X")
