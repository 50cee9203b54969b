"""WeChat web OAuth (snsapi_base) for the H5 pages: wechatpy's WeChatOAuth builds the
authorize URL, and the code is exchanged on the process's pooled HTTP client.

The user is an official-account user: the openid belongs to WECHAT_OA_APPID, so the session's
platform is `wechat_oa` (notices for them go as official-account template messages, not as
mini-program subscribe messages). The OAuth `state` lives in the browser's sealed cookie
(app/h5/oauth.py).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from adapters.http_pool import PooledHttp
from adapters.wechat_http import WeChatRefused, wechat_get
from app.ports.identity import LoginRejected
from app.ports.partners import PartnerUnavailable

log = logging.getLogger(__name__)
REJECTED_CODES = (40029, 40163, 41008)  # invalid, already used, missing code


class WeChatWebLogin:
    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str,
        oauth_base: str,
        redirect_uri: str,
        http: PooledHttp,
    ) -> None:
        self._appid, self._secret = appid, secret
        self._token_url = f"{api_base.rstrip('/')}/sns/oauth2/access_token"
        self._oauth_base = oauth_base.rstrip("/")
        self.redirect_uri = redirect_uri
        self._http = http
        self._base: Any = None

    def authorize_url(self, state: str) -> str:
        """wechatpy's WeChatOAuth builds the URL (no HTTP): a copy of one per process, with
        this request's state, so no new `requests` session is made per visit."""
        if self._base is None:
            from wechatpy.oauth import WeChatOAuth

            base = WeChatOAuth(self._appid, self._secret, self.redirect_uri, "snsapi_base")
            base.OAUTH_BASE_URL = f"{self._oauth_base}/connect/"
            self._base = base
        oauth = copy.copy(self._base)
        oauth.state = state
        return str(oauth.authorize_url)

    def user_id(self, code: str) -> str:
        """sns/oauth2/access_token on the pooled client (adapters/wechat_http.py)."""
        params = {
            "appid": self._appid,
            "secret": self._secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        try:
            answer = wechat_get(self._http, self._token_url, params)
        except WeChatRefused as exc:
            if exc.errcode in REJECTED_CODES:
                raise LoginRejected(str(exc.errcode)) from None
            raise PartnerUnavailable(f"wechat oauth errcode {exc.errcode}") from None
        except OSError as exc:  # adapters/http_pool.py: unreached, or no answer
            raise PartnerUnavailable(type(exc).__name__) from None
        openid = answer.get("openid")
        if not isinstance(openid, str) or not openid:
            raise PartnerUnavailable("wechat oauth answer without openid")
        return openid  # the web access_token is not needed for snsapi_base: it is dropped
