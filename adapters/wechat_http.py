"""WeChat's unsigned GET APIs (jscode2session, the web OAuth's access_token) on the process's
pooled client (adapters/http_pool.py).

They take the app secret in the query and sign nothing, so wechatpy adds only a `requests`
session and a token fetch they do not need (docs/scaling.md has the cost). Its answer rules are
kept: JSON, whatever the Content-Type (WeChat says text/plain), and a non-zero `errcode` is a
refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.http_pool import PooledHttp
from app.ports.partners import PartnerUnavailable


class WeChatRefused(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int) -> None:
        super().__init__(f"errcode {errcode}")
        self.errcode = errcode


def wechat_get(http: PooledHttp, url: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The answer's JSON object; WeChatRefused on an errcode, PartnerUnavailable when there is
    no readable answer. Transport errors stay OSErrors (adapters/http_pool.py)."""
    answer = http.request("GET", url, fields=params)
    if answer.status != 200:
        raise PartnerUnavailable(f"wechat HTTP {answer.status}")
    try:
        data = answer.json()
    except ValueError:
        raise PartnerUnavailable("wechat answer is not JSON") from None
    if not isinstance(data, dict):
        raise PartnerUnavailable("wechat answer is not an object")
    errcode = data.get("errcode", 0)
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise PartnerUnavailable("wechat errcode is not a number")
    if errcode != 0:
        raise WeChatRefused(errcode)
    return data
