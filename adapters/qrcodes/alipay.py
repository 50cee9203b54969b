"""The Alipay mini-program's QR code: alipay.open.app.qrcode.create through python-alipay-sdk
(RSA2 both ways, like the login), with `query_param` `c=<id>`. Alipay answers the image's
address (qr_code_url), which is then fetched."""

from __future__ import annotations

from typing import Any

import requests

from adapters.alipay_app import AlipayApp
from adapters.qrcodes import as_png
from app.domain.channels import QrKind
from app.ports.partners import PartnerRejected, PartnerUnavailable

METHOD = "alipay.open.app.qrcode.create"
DESCRIBE = "一证通查"  # the code's description, shown in Alipay's console
IMAGE_TIMEOUT_S = 5.0


class AlipayCode:
    kind = QrKind.ALIPAY

    def __init__(self, app: AlipayApp, page: str) -> None:
        self._app, self.page = app, page
        self.variant = f"{app.appid}|{page}"

    def biz(self, channel_id: str) -> dict[str, str]:
        return {"url_param": self.page, "query_param": f"c={channel_id}", "describe": DESCRIBE}

    def make(self, channel_id: str) -> bytes:
        address = _image_address(self._call(self.biz(channel_id)))
        try:
            image = requests.get(address, timeout=IMAGE_TIMEOUT_S)
            image.raise_for_status()
        except OSError as exc:  # requests' errors, an HTTP error status included
            raise PartnerUnavailable(f"alipay qr image: {type(exc).__name__}") from None
        return as_png(image.content)

    def _call(self, biz: dict[str, str]) -> Any:
        from alipay.exceptions import AliPayException, AliPayValidationError

        try:
            return self._app.server_api(METHOD, biz_content=biz)
        except AliPayValidationError:
            raise PartnerUnavailable("alipay signature") from None
        except AliPayException as exc:  # the gateway refused the call (app id, signature ...)
            raise PartnerRejected(f"alipay: {str(exc)[:120]}") from None
        except OSError as exc:  # urllib's URLError and timeouts
            raise PartnerUnavailable(f"alipay: {type(exc).__name__}") from None
        except (ValueError, AttributeError, TypeError):  # not JSON, or JSON of another shape
            raise PartnerUnavailable("alipay: unreadable") from None


def _image_address(answer: Any) -> str:
    if not isinstance(answer, dict):
        raise PartnerUnavailable("alipay: unreadable")
    code, sub_code = str(answer.get("code", "")), str(answer.get("sub_code", ""))
    address = answer.get("qr_code_url")
    if code == "10000" and isinstance(address, str) and address.startswith(("http://", "https://")):
        return address
    if code == "20000" or code == "10000":  # Alipay busy, or a success without an image
        raise PartnerUnavailable(f"alipay {code} {sub_code}".strip())
    raise PartnerRejected(f"alipay {code} {sub_code}".strip())
