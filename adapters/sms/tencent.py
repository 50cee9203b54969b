"""Tencent Cloud SMS (2021-01-11 SendSms) through its official SDK.

The SDK signs with TC3-HMAC-SHA256 and posts JSON. Phones go in E.164 (+86...), and template
parameters as a list of strings in the order of the template's placeholders. Success means
`SendStatusSet[0].Code == "Ok"`. SessionContext carries our idempotency key, but Tencent only
echoes it back and dedupes nothing, so this gateway is not idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.sms.cloud import InAThread, network_error, split_endpoint
from app.ports.messages import SmsError, SmsThrottled
from notices.sms import Templates, fit_params

# Per-number limits, and the wait each one implies. DeliveryFrequencyLimit is the answer of the
# account's frequency policy (控制台 → 国内短信 → 安全设置 / 发送频率限制): a throttle too.
THROTTLED = {
    "LimitExceeded.PhoneNumberDailyLimit": 86400,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": 86400,
    "LimitExceeded.DeliveryFrequencyLimit": 60,
}


class TencentSmsGateway(InAThread):
    idempotent = False

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        app_id: str,
        region: str,
        endpoint: str,
        templates: Templates,
        max_param_chars: int = 6,
        timeout_s: float = 5.0,
    ) -> None:
        self._secret_id, self._secret_key = secret_id, secret_key
        self._app_id, self._region = app_id, region
        self._scheme, self._host = split_endpoint(endpoint)
        self._templates = templates
        self._max_param_chars = max_param_chars
        self._timeout = timeout_s
        self._client: Any = None

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        try:
            fitted = fit_params(params, self._max_param_chars)
        except ValueError:
            raise SmsError("param_too_long") from None
        request = SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._templates.signature
        request.TemplateId = self._templates.gateway_id(template, "tencent")
        request.TemplateParamSet = self._templates.ordered(template, fitted)
        request.SessionContext = idempotency_key
        try:
            response = self._sdk().SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code())
            if code == "ClientNetworkError":
                raise network_error(str(exc.get_message())) from None
            raise _refusal(code) from None
        status = (response.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            raise _refusal(str(getattr(status, "Code", "NoStatus")))
        return str(status.SerialNo or "")

    def _sdk(self) -> Any:
        if self._client is None:
            from tencentcloud.common.credential import Credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111.sms_client import SmsClient

            # One client per process: its requests.Session pools the connections, and keepAlive
            # asks the gateway to keep them (the SDK's own switch, off by default).
            http = HttpProfile(
                endpoint=self._host, reqMethod="POST", reqTimeout=self._timeout, keepAlive=True
            )
            http.scheme = self._scheme
            profile = ClientProfile(httpProfile=http)
            credential = Credential(self._secret_id, self._secret_key)
            self._client = SmsClient(credential, self._region, profile)
        return self._client


def _refusal(code: str) -> SmsError:
    """Per-number limits become SmsThrottled; a 5xx, bad parameters or keys SmsError."""
    return SmsThrottled(code, THROTTLED[code]) if code in THROTTLED else SmsError(code)
