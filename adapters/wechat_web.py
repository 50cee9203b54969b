"""WeChat web OAuth (snsapi_base) for the H5 pages, through wechatpy's WeChatOAuth.

The user is an official-account user: the openid belongs to WECHAT_OA_APPID, so the session's
platform is `wechat_oa` (notices for them go as official-account template messages, not as
mini-program subscribe messages). The OAuth `state` lives in the browser's sealed cookie
(app/h5/oauth.py).
"""

from __future__ import annotations

import logging
from typing import Any

from app.ports.identity import LoginRejected
from app.ports.partners import PartnerUnavailable

log = logging.getLogger(__name__)
REJECTED_CODES = (40029, 40163, 41008)  # invalid, already used, missing code


def _oauth_class() -> type:
    from wechatpy.oauth import WeChatOAuth

    class WebOAuth(WeChatOAuth):  # type: ignore[misc]
        """Base URLs per instance (the sandbox under SANDBOX=1) and a timeout on every call."""

        timeout_s = 3.0

        def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", self.timeout_s)
            return super()._request(method, url_or_endpoint, **kwargs)

    return WebOAuth


class WeChatWebLogin:
    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str,
        oauth_base: str,
        redirect_uri: str,
        timeout_s: float = 3.0,
    ) -> None:
        self._appid, self._secret = appid, secret
        self._api_base, self._oauth_base = api_base.rstrip("/"), oauth_base.rstrip("/")
        self.redirect_uri = redirect_uri
        self._timeout = timeout_s

    def _oauth(self, state: str = "") -> Any:
        """One WeChatOAuth per request: it carries the state and its own HTTP session."""
        oauth = _oauth_class()(self._appid, self._secret, self.redirect_uri, "snsapi_base", state)
        oauth.API_BASE_URL = f"{self._api_base}/"
        oauth.OAUTH_BASE_URL = f"{self._oauth_base}/connect/"
        oauth.timeout_s = self._timeout
        return oauth

    def authorize_url(self, state: str) -> str:
        return str(self._oauth(state).authorize_url)

    def user_id(self, code: str) -> str:
        from wechatpy.exceptions import WeChatOAuthException

        try:
            answer = self._oauth().fetch_access_token(code)
        except WeChatOAuthException as exc:
            if exc.errcode in REJECTED_CODES:
                raise LoginRejected(str(exc.errcode)) from None
            raise PartnerUnavailable(f"wechat oauth errcode {exc.errcode}") from None
        except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad JSON
            raise PartnerUnavailable(type(exc).__name__) from None
        openid = answer.get("openid") if isinstance(answer, dict) else None
        if not isinstance(openid, str) or not openid:
            raise PartnerUnavailable("wechat oauth answer without openid")
        return openid  # the web access_token is not needed for snsapi_base: it is dropped
