"""One Alipay app (appid, RSA2 keys, gateway): the python-alipay-sdk client both the login and
the template messages use. Keys are PEM text or paths to PEM files."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
                from alipay import AliPay, AliPayConfig

                os.environ.setdefault("TZ", "Asia/Shanghai")  # the SDK stamps local time
                client = AliPay(
                    appid=self.appid,
                    app_private_key_string=pem(self.app_private_key),
                    alipay_public_key_string=pem(self.alipay_public_key),
                    sign_type="RSA2",
                    config=AliPayConfig(timeout=self.timeout_s),
                )
                client._gateway = self.gateway  # the sandbox's under SANDBOX=1
                self._client = client
            return self._client


@functools.cache
def pem(value: str) -> str:
    """A PEM given inline, or a path to a PEM file (read once)."""
    return value if "-----BEGIN" in value else Path(value).read_text(encoding="ascii")
