"""The platforms' own SDKs, pointed at a live sandbox: what the sandbox tests drive it with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alipay import AliPay
from alipay.utils import AliPayConfig
from wechatpy import WeChatClient

from adapters.alipay_app import china_now
from tests.sandbox.conftest import LiveSandbox

MP = ("wx_sandbox_mp", "sandbox-mp-secret")
OA = ("wx_sandbox_oa", "sandbox-oa-secret")
OAUTH = "alipay.system.oauth.token"


class SandboxWeChatClient(WeChatClient):
    """wechatpy pointed at the sandbox: its token URL is hard-coded, so override it."""

    def __init__(self, base_url: str, appid: str, secret: str) -> None:
        super().__init__(appid, secret, timeout=5)
        self.base_url = base_url
        self.API_BASE_URL = base_url + "/cgi-bin/"
        self.wxa.API_BASE_URL = base_url + "/"

    def fetch_access_token(self) -> dict:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(url=self.base_url + "/cgi-bin/token", params=params)


class ChinaTimeAliPay(AliPay):
    """The SDK stamps local time; Alipay reads China time (the app stamps it the same way)."""

    def build_body(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = super().build_body(*args, **kwargs)
        return {**body, "timestamp": kwargs.get("timestamp", china_now())}


def alipay_client(
    live: LiveSandbox, keys_dir: Path, app_key: str = "app", alipay_key: str = "alipay"
) -> AliPay:
    client = ChinaTimeAliPay(
        appid="2021000000000001",
        app_private_key_string=(keys_dir / f"{app_key}_private.pem").read_text(),
        alipay_public_key_string=(keys_dir / f"{alipay_key}_public.pem").read_text(),
        config=AliPayConfig(timeout=5),
    )
    client._gateway = live.url("/gateway.do")
    return client
