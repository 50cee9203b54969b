"""SMS gateway adapter for the sandbox gateway (the signed partner protocol, out_id dedupe)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

from adapters.partner_signing import signed_headers
from app.ports import SmsError, SmsThrottled
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
        self._timeout = timeout_s
        self._http = requests.Session()

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        payload = {
            "phone": phone,
            "sign_name": self._templates.signature,
            "template_code": self._templates.gateway_id(template, "sandbox"),
            "params": dict(params),
            "out_id": idempotency_key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers("yzt", self._secret, "POST", self._path, body)
        try:
            response = self._http.post(
                self._endpoint, data=body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            raise SmsError(type(exc).__name__) from None
        if response.status_code == 429:
            raise SmsThrottled("rate_limited")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or answer.get("code") != "OK":
            raise SmsError(f"HTTP {response.status_code} {answer.get('code', '')}")
        return str(answer.get("message_id", ""))
