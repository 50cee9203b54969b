"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK.

The SDK signs with ACS3-HMAC-SHA256 and sends the parameters in the query string. Success means
`body.code == "OK"`. OutId carries our idempotency key, but Alibaba only echoes it in delivery
receipts and dedupes nothing, so this gateway is not idempotent (see run_query.deliver).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.sms.cloud import InAThread, network_error, split_endpoint
from app.ports.messages import SmsError, SmsThrottled
from notices.sms import MAX_PARAM_CHARS, Templates, fit_params

# per-number limits (1 a minute, 5 an hour, 10 a day by default): the user should wait. The
# message names the window that refused, e.g. "触发小时级流控Permits:5".
THROTTLED = frozenset({"isv.BUSINESS_LIMIT_CONTROL"})
WINDOWS = (("分钟级", 60), ("小时级", 3600), ("天级", 86400))


class AliyunSmsGateway(InAThread):
    idempotent = False

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        endpoint: str,
        templates: Templates,
        timeout_s: float = 5.0,
    ) -> None:
        self._key_id, self._secret = access_key_id, access_key_secret
        self._protocol, self._host = split_endpoint(endpoint)
        self._templates = templates
        self._timeout_ms = int(timeout_s * 1000)
        self._client: Any = None

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from darabonba.exceptions import RetryError, UnretryableException

        try:
            fitted = fit_params(params, MAX_PARAM_CHARS)
        except ValueError:
            raise SmsError("param_too_long") from None
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=self._templates.signature,
            template_code=self._templates.gateway_id(template, "aliyun"),
            template_param=_json(fitted) if fitted else None,
            out_id=idempotency_key,
        )
        try:
            body = self._sdk().send_sms(request).body
        except AlibabaCloudException as exc:  # the gateway answered 4xx/5xx: nothing was sent
            raise _refusal(str(exc.code), str(exc.message)) from None
        except (UnretryableException, RetryError, OSError) as exc:  # transport (requests)
            raise network_error(str(exc)) from None
        if body.code != "OK":
            raise _refusal(str(body.code), str(body.message or ""))
        return str(body.biz_id or "")

    def _sdk(self) -> Any:
        if self._client is None:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi.utils_models import Config

            self._client = Client(
                Config(
                    access_key_id=self._key_id,
                    access_key_secret=self._secret,
                    endpoint=self._host,
                    protocol=self._protocol,
                    read_timeout=self._timeout_ms,
                    connect_timeout=min(self._timeout_ms, 3000),
                )
            )
        return self._client


def _json(params: Mapping[str, str]) -> str:
    return json.dumps(dict(params), ensure_ascii=False, separators=(",", ":"))


def _refusal(code: str, message: str = "") -> SmsError:
    """Per-number limits become SmsThrottled; bad parameters, templates or keys SmsError."""
    if code not in THROTTLED:
        return SmsError(code)
    wait = next((seconds for word, seconds in WINDOWS if word in message), 60)
    return SmsThrottled(code, wait)
