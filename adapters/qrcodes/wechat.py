"""WeChat's QR codes through wechatpy, with the one access token every process shares
(adapters/wechat_token.py: no second token fetcher).

- The mini-program code: POST /wxa/getwxacodeunlimit with the scene `c=<id>` (at most 32
  characters), `env_version` (WECHAT_MP_ENV_VERSION) and, outside `release`, check_path false
  (the page need not be released yet). WeChat answers the image, or JSON with an errcode.
- The official account's permanent code: POST /cgi-bin/qrcode/create with QR_LIMIT_STR_SCENE
  and the scene string `<id>`, then GET showqrcode?ticket= on mp.weixin.qq.com
  (WECHAT_QRCODE_BASE), which needs no token. A scan of it sends the callback `subscribe` with
  `qrscene_<id>`, or `SCAN` with `<id>`.

errcodes that retrying will not change (a bad scene, page or argument) are PartnerRejected;
busy, rate-limited (45009: getUnlimited allows 5,000 a minute), unreachable or unreadable
answers are PartnerUnavailable. A token WeChat calls stale is dropped and the call tried once
more (SharedTokenClient.call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from adapters.qrcodes import as_png
from adapters.wechat_token import SharedTokenClient
from app.domain.channels import QrKind, miniprogram_scene
from app.ports.partners import PartnerRejected, PartnerUnavailable

RETRY_LATER = frozenset({-1, 45009, 45011})  # busy, the minute's quota, the API's rate limit
IMAGE_TIMEOUT_S = 5.0


def call(client: SharedTokenClient, action: Callable[[], Any]) -> Any:
    """Run a call with the shared token; WeChat's refusals become the port's errors."""
    try:
        return client.call(action)
    except WeChatClientException as exc:
        if exc.errcode is None or exc.errcode in RETRY_LATER:
            raise PartnerUnavailable(f"wechat errcode {exc.errcode}") from None
        raise PartnerRejected(f"wechat errcode {exc.errcode}") from None
    except OSError as exc:  # requests' ConnectionError and Timeout
        raise PartnerUnavailable(f"wechat: {type(exc).__name__}") from None


class MiniProgramCode:
    kind = QrKind.WECHAT_MINIPROGRAM

    def __init__(
        self,
        client: SharedTokenClient,
        api_base: str,
        page: str,
        env_version: str,
    ) -> None:
        self._client, self._url = client, f"{api_base.rstrip('/')}/wxa/getwxacodeunlimit"
        self.page, self.env_version = page, env_version
        self.variant = f"{page}|{env_version}"

    def body(self, channel_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "scene": miniprogram_scene(channel_id),
            "env_version": self.env_version,
            "check_path": self.env_version == "release",
            "width": 430,
        }
        return {**body, "page": self.page} if self.page else body

    def make(self, channel_id: str) -> bytes:
        client, body = self._client, self.body(channel_id)
        answer = call(client, lambda: client.post(self._url, data=body))
        if not isinstance(answer, requests.Response):  # JSON, but no errcode: no image
            raise PartnerUnavailable("wechat: an answer without an image")
        return as_png(answer.content)


class OfficialAccountCode:
    kind = QrKind.WECHAT_OFFICIAL

    def __init__(self, client: SharedTokenClient, qrcode_base: str) -> None:
        self._client, self._show = client, f"{qrcode_base.rstrip('/')}/cgi-bin/showqrcode"
        self.variant = qrcode_base

    def make(self, channel_id: str) -> bytes:
        client = self._client
        request = {
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": channel_id}},
        }
        created = call(client, lambda: client.qrcode.create(request))
        ticket = created.get("ticket") if isinstance(created, dict) else None
        if not isinstance(ticket, str) or not ticket:
            raise PartnerUnavailable("wechat: qrcode/create without a ticket")
        try:
            image = requests.get(self._show, params={"ticket": ticket}, timeout=IMAGE_TIMEOUT_S)
            image.raise_for_status()
        except OSError as exc:  # requests' errors, an HTTP error status included
            raise PartnerUnavailable(f"wechat showqrcode: {type(exc).__name__}") from None
        return as_png(image.content)
