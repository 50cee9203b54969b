"""One Alipay app (appid, RSA2 keys, gateway): the python-alipay-sdk client both the login and
the template messages use. Keys are PEM text or paths to PEM files.

The SDK signs the request and verifies the answer; its transport is replaced: it opens a new
connection (urllib's urlopen) per call, and here the call goes through the process's pooled,
keep-alive client (adapters/http_pool.py) with the same GET the SDK sends."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from adapters.http_pool import HttpError, PooledHttp

# Alipay reads `timestamp` as China time. The SDK stamps the process's local time, which is
# China time only under TZ=Asia/Shanghai (set before the process starts: setting os.environ
# later changes nothing without time.tzset()). So every call is stamped here instead.
CHINA = timezone(timedelta(hours=8))  # no daylight saving since 1991


@dataclass
class AlipayApp:
    appid: str
    app_private_key: str
    alipay_public_key: str
    gateway: str
    timeout_s: float = 3.0
    _client: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def client(self) -> Any:
        """Built once, on first use: no key file is read at start-up or import."""
        with self._lock:
            if self._client is None:
                from alipay import AliPayConfig

                client = _pooled_alipay()(
                    appid=self.appid,
                    app_private_key_string=pem(self.app_private_key),
                    alipay_public_key_string=pem(self.alipay_public_key),
                    sign_type="RSA2",
                    config=AliPayConfig(timeout=self.timeout_s),
                )
                client._gateway = self.gateway  # the sandbox's under SANDBOX=1
                client.http = PooledHttp(self.timeout_s)
                self._client = client
            return self._client

    def server_api(self, method: str, **params: Any) -> Any:
        """The SDK's server_api, stamped with China time (it lets a parameter override it)."""
        return self.client().server_api(method, timestamp=china_now(), **params)


@functools.cache
def _pooled_alipay() -> type:
    from alipay import AliPay

    class PooledAliPay(AliPay):  # type: ignore[misc]
        http: PooledHttp

        def verified_sync_response(self, data: Any, response_type: str) -> Any:
            """The SDK's own, but on the pool: the signed query string, GET, verify."""
            url = self._gateway + "?" + self.sign_data(data)
            answer = self.http.request("GET", url)
            if answer.status != 200:  # urlopen raised HTTPError, an OSError, here
                raise HttpError(f"HTTP {answer.status}")
            return self._verify_and_return_sync_response(answer.body.decode(), response_type)

    return PooledAliPay


def china_now() -> str:
    return datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")


@functools.cache
def pem(value: str) -> str:
    """A PEM given inline, or a path to a PEM file (read once)."""
    return value if "-----BEGIN" in value else Path(value).read_text(encoding="ascii")
