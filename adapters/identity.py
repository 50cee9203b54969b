"""The Identity port: WeChat mini-program login (wechatpy) and Alipay login (python-alipay-sdk)."""

from __future__ import annotations

import logging
from typing import Any

from adapters.alipay_app import AlipayApp
from app.ports import LoginRejected, PartnerUnavailable, PlatformUser

log = logging.getLogger(__name__)


class PlatformIdentity:
    def __init__(self, wechat: WeChatLogin, alipay: AlipayLogin) -> None:
        self._logins: dict[str, WeChatLogin | AlipayLogin] = {"wechat": wechat, "alipay": alipay}

    def login(self, platform: str, code: str) -> PlatformUser:
        return PlatformUser(platform, self._logins[platform].user_id(code))


class WeChatLogin:
    """jscode2session through wechatpy, against api_base (the sandbox under SANDBOX=1)."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout_s: float = 3.0) -> None:
        self._appid, self._secret = appid, secret
        self._api_base = api_base.rstrip("/")
        self._timeout = timeout_s

    def user_id(self, code: str) -> str:
        from wechatpy.exceptions import WeChatClientException

        client = self._client()
        try:
            answer = client.wxa.code_to_session(code)
        except WeChatClientException as exc:
            if exc.errcode in (40029, 40163, 40226):  # invalid, used, or blocked code
                raise LoginRejected(str(exc.errcode)) from None
            raise PartnerUnavailable(f"wechat errcode {exc.errcode}") from None
        except OSError as exc:  # requests' ConnectionError and Timeout are OSErrors
            raise PartnerUnavailable(type(exc).__name__) from None
        # session_key stays here: it is never stored, logged or returned
        return str(answer["openid"])

    def _client(self) -> Any:
        from wechatpy import WeChatClient

        # code_to_session needs no access token, but wechatpy fetches one unless given a value,
        # and every /cgi-bin/token fetch rotates the account's token for all other processes.
        client = WeChatClient(
            self._appid, self._secret, access_token="not-needed", timeout=self._timeout
        )
        client.API_BASE_URL = f"{self._api_base}/cgi-bin/"
        client.wxa.API_BASE_URL = f"{self._api_base}/"
        return client


class AlipayLogin:
    """alipay.system.oauth.token through python-alipay-sdk's server_api."""

    def __init__(self, app: AlipayApp) -> None:
        self._app = app

    def user_id(self, code: str) -> str:
        from alipay.exceptions import AliPayException, AliPayValidationError

        client = self._app.client()
        try:
            answer = client.server_api(
                "alipay.system.oauth.token", grant_type="authorization_code", code=code
            )
        except AliPayValidationError:
            log.error("alipay answer failed signature verification")
            raise PartnerUnavailable("alipay signature") from None
        except AliPayException as exc:
            if "isv.code-invalid" in str(exc):
                raise LoginRejected("isv.code-invalid") from None
            raise PartnerUnavailable(f"alipay {exc.code}") from None
        except OSError as exc:  # urllib's URLError and timeouts
            raise PartnerUnavailable(type(exc).__name__) from None
        return str(answer.get("user_id") or answer["open_id"])
