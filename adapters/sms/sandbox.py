"""SMS gateway adapter for the sandbox gateway (the signed partner protocol, out_id dedupe)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp

from adapters.http_pool import HttpError, PooledHttp
from adapters.partner_signing import signed_headers
from app.ports.messages import SmsError, SmsThrottled
from notices.sms import Templates


class SandboxSmsGateway:
    idempotent = True  # the gateway dedupes on out_id, like Alibaba Cloud's OutId

    def __init__(
        self, endpoint: str, secret: bytes, templates: Templates, timeout_s: float = 5.0
    ) -> None:
        self._endpoint = endpoint
        self._path = urlsplit(endpoint).path
        self._secret = secret
        self._templates = templates
        self._aio_timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._http = PooledHttp(timeout_s)  # the API's code SMS: the process's keep-alive pool
        self._aio: aiohttp.ClientSession | None = None  # the worker's, made in its event loop

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        body, headers = self._request(phone, template, params, idempotency_key)
        try:
            answer = self._http.request("POST", self._endpoint, body=body, headers=headers)
        except HttpError as exc:  # idempotent on out_id: a caller may simply try again
            raise SmsError(type(exc).__name__) from None
        return _message_id(answer.status, answer.body)

    async def send_async(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        """The same send on the worker's event loop: no thread and no `requests` per result SMS.
        The aiohttp session is made on first use, in the loop that uses it."""
        if self._aio is None:
            self._aio = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        body, headers = self._request(phone, template, params, idempotency_key)
        try:
            async with self._aio.post(
                self._endpoint, data=body, headers=headers, timeout=self._aio_timeout
            ) as response:
                return _message_id(response.status, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SmsError(type(exc).__name__) from None

    def _request(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> tuple[bytes, dict[str, str]]:
        payload = {
            "phone": phone,
            "sign_name": self._templates.signature,
            "template_code": self._templates.gateway_id(template, "sandbox"),
            "params": dict(params),
            "out_id": idempotency_key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, signed_headers("yzt", self._secret, "POST", self._path, body)


def _message_id(status: int, content: bytes) -> str:
    try:
        answer = json.loads(content)
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status == 429:
        wait = answer.get("retry_after")
        raise SmsThrottled("rate_limited", wait if isinstance(wait, int) and wait > 0 else 60)
    if status != 200 or answer.get("code") != "OK":
        raise SmsError(f"HTTP {status} {answer.get('code', '')}")
    return str(answer.get("message_id", ""))
