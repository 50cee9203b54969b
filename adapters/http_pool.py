"""One pooled, keep-alive HTTP client per process for the blocking calls the API makes: the code
SMS at the sandbox gateway, the platform logins (WeChat's jscode2session and web OAuth, Alipay's
oauth.token through its SDK's signing).

urllib3 directly, which `requests` is built on, without requests' per-call work (hooks,
cookies, adapters, environment lookups): about 0.5 ms a call instead of 2-3 (the study in
docs/scaling.md). One PoolManager per process, thread-safe, so gunicorn's threads share its
connections; it is made again after a fork, so no connection is ever shared by two processes.

No automatic retries: a login code is single-use and an SMS is not always idempotent, so only
the caller knows whether a second attempt is safe. Failures are OSErrors, like `requests`' and
urllib's, in two kinds: Unreached (nothing left: connect refused or timed out, a bad name) and
NoAnswer (the request may have arrived: read timeout, reset).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
)

POOL_SIZE = 32  # connections kept per host: gunicorn's threads (GUNICORN_THREADS) and then some


class HttpError(OSError):
    """The call failed in transport: no usable HTTP answer."""


class Unreached(HttpError):
    """Nothing was sent: the host could not be reached."""


class NoAnswer(HttpError):
    """The request may have reached the host, but no complete answer came back."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body)


class PooledHttp:
    """A caller's timeouts over the process's one connection pool."""

    def __init__(self, timeout_s: float, connect_timeout_s: float = 3.0) -> None:
        self._timeout = urllib3.Timeout(connect=min(connect_timeout_s, timeout_s), read=timeout_s)

    def request(
        self,
        method: str,
        url: str,
        *,
        fields: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """One call. `fields` go in the query string (GET); `body` is sent as is."""
        try:
            response = process_pool().request(
                method,
                url,
                fields=dict(fields) if fields is not None else None,
                body=body,
                headers=dict(headers) if headers is not None else None,
                timeout=self._timeout,
                retries=False,
                redirect=False,
            )
        except (NewConnectionError, ConnectTimeoutError, NameResolutionError) as exc:
            raise Unreached(type(exc).__name__) from None
        except HTTPError as exc:  # read timeout, protocol error, reset mid-answer
            raise NoAnswer(type(exc).__name__) from None
        return Answer(response.status, response.data)


_lock = threading.Lock()
_pool: tuple[int, urllib3.PoolManager] | None = None


def process_pool() -> urllib3.PoolManager:
    """This process's PoolManager, made on first use and again after a fork."""
    global _pool
    pid = os.getpid()
    if _pool is None or _pool[0] != pid:
        with _lock:
            if _pool is None or _pool[0] != pid:
                _pool = (pid, urllib3.PoolManager(num_pools=16, maxsize=POOL_SIZE, block=False))
    return _pool[1]
