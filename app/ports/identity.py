"""Who the user is: a login code from WeChat or Alipay becomes a platform user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class LoginRejected(Exception):
    """The platform says the login code is not valid: the user may try again."""


@dataclass(frozen=True)
class PlatformUser:
    platform: str  # wechat | alipay | wechat_oa (the H5 pages' web OAuth)
    user_id: str  # WeChat openid or Alipay user_id


class Identity(Protocol):
    def login(self, platform: str, code: str) -> PlatformUser:
        """Raises LoginRejected, or partners.PartnerUnavailable when the platform fails."""
        ...


class WebLogin(Protocol):
    """WeChat web OAuth (snsapi_base) for the H5 pages."""

    def authorize_url(self, state: str) -> str: ...

    def user_id(self, code: str) -> str: ...
