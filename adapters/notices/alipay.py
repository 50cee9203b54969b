"""Alipay mini-program template message: alipay.open.app.mini.templatemessage.send through
python-alipay-sdk's server_api (RSA2 both ways, like the login in adapters/identity.py).

`data` is a JSON string of {"keyword1": {"value": ...}}; every value is at most 50 characters.
The recipient goes in `to_user_id` when it is an Alipay user id (2088...), else `to_open_id`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.alipay_app import AlipayApp
from app.ports.messages import Notice, NoticeRefused, NoticeUnavailable
from notices.platform import alipay_data

METHOD = "alipay.open.app.mini.templatemessage.send"
# sub_codes meaning "this user gets no message from us now": no subscription left
NOT_SUBSCRIBED = ("USER_NOT_SUBSCRIBED", "USER_UNSUBSCRIBED")


class AlipayTemplate:
    def __init__(
        self, app: AlipayApp, template_id: str, fields: Mapping[str, str], page: str = ""
    ) -> None:
        self._app = app
        self._template_id, self._fields, self._page = template_id, dict(fields), page

    def send(self, recipient: str, notice: Notice) -> None:
        from alipay.exceptions import AliPayException, AliPayValidationError

        to = "to_user_id" if recipient.startswith("2088") else "to_open_id"
        biz = {
            to: recipient,
            "user_template_id": self._template_id,
            "page": self._page,
            "data": json.dumps(alipay_data(notice, self._fields), ensure_ascii=False),
        }
        try:
            answer = self._app.server_api(METHOD, biz_content=biz)
        except AliPayValidationError:
            raise NoticeUnavailable("bad_signature") from None
        except AliPayException:  # the gateway refused the call itself (app id, signature)
            raise NoticeRefused("gateway_refused") from None
        except OSError:  # urllib's URLError and timeouts
            raise NoticeUnavailable("unreachable") from None
        except (ValueError, AttributeError, TypeError):  # not JSON, or JSON of another shape
            raise NoticeUnavailable("unreadable") from None
        if not isinstance(answer, dict):
            raise NoticeUnavailable("unreadable")
        _check(answer)


def _check(answer: Mapping[str, Any]) -> None:
    code, sub_code = str(answer.get("code", "")), str(answer.get("sub_code", ""))
    if code == "10000":
        return
    if sub_code in NOT_SUBSCRIBED:
        raise NoticeRefused("no_authorisation")
    if code == "20000":  # Alipay's "service unavailable": try later
        raise NoticeUnavailable("unavailable")
    raise NoticeRefused(sub_code.lower().replace(".", "_") or f"code_{code}")
