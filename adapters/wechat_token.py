"""The official account's server API (wechatpy's WeChatClient) with one access token for all
processes.

Every /cgi-bin/token fetch rotates the account's token and so breaks every other holder, so the
token lives in Redis and only the process holding a Redis lock refreshes it. wechatpy fetches
from a hard-coded https://api.weixin.qq.com without a timeout, so the fetch is ours, against
WECHAT_API_BASE (the sandbox under SANDBOX=1), with a timeout.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from adapters.redis import keys
from app.ports.partners import PartnerRejected, PartnerUnavailable
from app.ports.state import StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_S = 5.0
LOCK_TTL_MS = 15_000  # longer than a fetch can take, so the lock never lapses mid-fetch
POLL_S = 0.05
EARLY_REFRESH_S = 300  # stop handing out a token 5 minutes before WeChat expires it
STALE_TOKEN_ERRORS = (40001, 40014, 42001)  # invalid credential, invalid token, expired
# Releases our lock only if it is still ours, and drops a stale token only if no other process
# has replaced it already.
DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SharedTokenClient(WeChatClient):  # type: ignore[misc]
    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str,
        client: redis.Redis,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        # auto_retry off: wechatpy would refresh on every 40001, and each refresh rotates
        super().__init__(appid, secret, timeout=timeout_s, auto_retry=False)
        base = api_base.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self._token_url = f"{base}/cgi-bin/token"
        self._redis = client
        self._delete_if_equal = client.register_script(DELETE_IF_EQUAL)

    @property
    def access_token(self) -> str:
        return self.shared_token()

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's refresh hook: take the shared token (refreshing it under the lock)."""
        return {"access_token": self.shared_token()}

    def shared_token(self) -> str:
        """The token from Redis; when there is none, one process fetches while the others wait."""
        deadline = time.monotonic() + self.timeout + 2
        try:
            while True:
                token = self._redis.get(keys.oa_access_token(self.appid))
                if token:
                    return _text(token)
                fetched = self._refresh_if_lock_free()
                if fetched:
                    return fetched
                if time.monotonic() > deadline:
                    raise PartnerUnavailable("wechat token refresh by another process timed out")
                time.sleep(POLL_S)
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    def publish(self, menu: Mapping[str, Any]) -> None:
        """The MenuPublisher port: POST /cgi-bin/menu/create through wechatpy, with the shared
        token. WeChat's refusal is PartnerRejected (its errcode); no answer, PartnerUnavailable."""
        try:
            self.call(lambda: self.menu.create(dict(menu)))
        except WeChatClientException as exc:
            if exc.errcode is None:  # an HTTP error, not an answer
                raise PartnerUnavailable("wechat menu: no answer") from None
            raise PartnerRejected(f"errcode {exc.errcode}") from None
        except OSError as exc:  # requests' ConnectionError and Timeout
            raise PartnerUnavailable(f"wechat menu: {type(exc).__name__}") from None

    def call(self, action: Callable[[], T]) -> T:
        """Run an API call; if WeChat calls the token stale, drop it and try once more."""
        token = self.shared_token()
        try:
            return action()
        except WeChatClientException as exc:
            if exc.errcode not in STALE_TOKEN_ERRORS:
                raise
            log.warning("wechat token rejected, refreshing", extra={"errcode": exc.errcode})
            self._delete_if_equal(keys=[keys.oa_access_token(self.appid)], args=[token])
            return action()

    def _refresh_if_lock_free(self) -> str | None:
        lock_key = keys.oa_access_token_lock(self.appid)
        lock_id = secrets.token_hex(8)
        if not self._redis.set(lock_key, lock_id, nx=True, px=LOCK_TTL_MS):
            return None
        try:
            # another process may have stored a token between our GET and our lock
            token = self._redis.get(keys.oa_access_token(self.appid))
            return _text(token) if token else self._fetch_and_store()
        finally:
            self._delete_if_equal(keys=[lock_key], args=[lock_id])

    def _fetch_and_store(self) -> str:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            answer = self._http.get(self._token_url, params=params, timeout=self.timeout)
            answer.raise_for_status()
            result = answer.json()
        except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad JSON
            raise PartnerUnavailable(f"wechat token: {type(exc).__name__}") from None
        token, expires_in = _token_of(result, self)
        ttl = max(expires_in - EARLY_REFRESH_S, 60)
        self._redis.set(keys.oa_access_token(self.appid), token, ex=ttl)
        log.info("wechat access token refreshed", extra={"ttl_s": ttl})
        return token


def _token_of(result: Any, client: SharedTokenClient) -> tuple[str, int]:
    """The token and its lifetime from /cgi-bin/token's answer, or WeChat's refusal."""
    if isinstance(result, dict) and isinstance(result.get("access_token"), str):
        expires_in = result.get("expires_in", 7200)
        if isinstance(expires_in, int) and result["access_token"]:
            return result["access_token"], expires_in
    errcode = result.get("errcode") if isinstance(result, dict) else None
    if errcode is None:
        raise PartnerUnavailable("wechat token: unreadable answer")
    raise WeChatClientException(errcode, "access token refused", client=client)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
