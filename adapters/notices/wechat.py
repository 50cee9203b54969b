"""WeChat notices through wechatpy: the mini-program's subscribe message and the official
account's template message.

Both need the account's access token. Every /cgi-bin/token fetch rotates it for every other
holder, so the token is the one all processes share through Redis (SharedTokenClient, built for
the official account: one fetch per appid, under a lock). A token WeChat calls stale
(40001/42001) is dropped and the call tried once more with a fresh one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from app.ports.messages import Notice, NoticeRefused, NoticeUnavailable
from app.ports.partners import PartnerUnavailable
from notices.platform import wechat_data

# errcodes that retrying will not change, in words for logs and counters
REFUSED = {
    43101: "no_authorisation",  # the user has no subscription left (or never gave one)
    40003: "bad_user",
    40037: "bad_template",
    47003: "bad_field",  # a value breaks the keyword's rules (length, characters)
}
STALE_TOKEN = (40001, 40014, 42001)


class WeChatClients:
    """One shared-token wechatpy client per account, built on first use."""

    def __init__(self, api_base: str, redis_client: Any, timeout_s: float) -> None:
        self._api_base = api_base.rstrip("/")
        self._redis = redis_client
        self._timeout = timeout_s
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, appid: str, secret: str) -> Any:
        with self._lock:
            if appid not in self._clients:
                from adapters.wechat_token import SharedTokenClient

                client = SharedTokenClient(
                    appid, secret, self._api_base, self._redis, timeout_s=self._timeout
                )
                client.wxa.API_BASE_URL = f"{self._api_base}/"  # wxa calls /cgi-bin/... too
                self._clients[appid] = client
            return self._clients[appid]


class WeChatSubscribe:
    """Mini-program subscribe message: POST /cgi-bin/message/subscribe/send."""

    def __init__(
        self,
        client: Callable[[], Any],
        template_id: str,
        fields: Mapping[str, str],
        page: str = "",
    ) -> None:
        self._client, self._template_id = client, template_id
        self._fields, self._page = dict(fields), page

    def send(self, recipient: str, notice: Notice) -> None:
        client = self._client()
        data = wechat_data(notice, self._fields)
        page = self._page or None
        call(
            client,
            lambda: client.wxa.send_subscribe_message(recipient, self._template_id, data, page),
        )


class WeChatTemplate:
    """Official-account template message: POST /cgi-bin/message/template/send."""

    def __init__(
        self,
        client: Callable[[], Any],
        template_id: str,
        fields: Mapping[str, str],
        url: str = "",
    ) -> None:
        self._client, self._template_id = client, template_id
        self._fields, self._url = dict(fields), url

    def send(self, recipient: str, notice: Notice) -> None:
        client = self._client()
        data = wechat_data(notice, self._fields)
        url = self._url or None
        call(client, lambda: client.message.send_template(recipient, self._template_id, data, url))


def call(client: Any, action: Callable[[], Any]) -> None:
    """Run the send with the shared token; WeChat's refusals become the port's errors."""
    from wechatpy.exceptions import WeChatClientException

    try:
        client.call(action)
    except WeChatClientException as exc:
        if exc.errcode in REFUSED:
            raise NoticeRefused(REFUSED[exc.errcode]) from None
        if exc.errcode in STALE_TOKEN:  # refused again right after a refresh
            raise NoticeUnavailable("token_refused") from None
        reason = f"errcode_{exc.errcode}" if exc.errcode else "http_error"
        raise NoticeUnavailable(reason) from None
    except (PartnerUnavailable, OSError):  # token fetch failed; requests' errors
        raise NoticeUnavailable("unreachable") from None
