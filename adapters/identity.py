"""The Identity port: WeChat mini-program login (wechatpy) and Alipay login (python-alipay-sdk).

Every answer of the platform ends as one of three things: the user, LoginRejected (the login
code is wrong, used or expired: the user opens the mini-program again, 401), or
PartnerUnavailable (anything else: a refusal of our app or keys, an outage, an answer we cannot
read; 503). Nothing else escapes, so no platform answer becomes a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from adapters.alipay_app import AlipayApp
from adapters.http_pool import PooledHttp
from adapters.wechat_http import WeChatRefused, wechat_get
from app.ports.identity import LoginRejected, PlatformUser
from app.ports.partners import PartnerUnavailable

log = logging.getLogger(__name__)

# jscode2session: invalid code, code already used, user blocked as high risk. The rest (45011
# rate limit, -1 busy, 40001 and other credential errors) is ours or WeChat's to fix.
WECHAT_REJECTED = frozenset({40029, 40163, 40226})
# alipay.system.oauth.token: the auth code is wrong, used or expired.
ALIPAY_REJECTED = frozenset({"isv.code-invalid", "isv.code-expired", "invalid-auth-code"})
OAUTH_METHOD = "alipay.system.oauth.token"


class UserIdOf(Protocol):
    def user_id(self, code: str) -> str: ...


class PlatformIdentity:
    """The Identity port: each platform's login, by the platform's name (app/domain/platforms)."""

    def __init__(self, logins: Mapping[str, UserIdOf]) -> None:
        self._logins = dict(logins)

    def login(self, platform: str, code: str) -> PlatformUser:
        return PlatformUser(platform, self._logins[platform].user_id(code))


class WeChatLogin:
    """jscode2session against api_base (the sandbox under SANDBOX=1), on the process's pooled
    HTTP client. It takes the app secret, not an access token: wechatpy's code_to_session
    would fetch a token first, and a new `requests` call each time (adapters/wechat_http.py).
    """

    def __init__(self, appid: str, secret: str, api_base: str, http: PooledHttp) -> None:
        self._appid, self._secret = appid, secret
        self._url = f"{api_base.rstrip('/')}/sns/jscode2session"
        self._http = http

    def user_id(self, code: str) -> str:
        params = {
            "appid": self._appid,
            "secret": self._secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        try:
            answer = wechat_get(self._http, self._url, params)
        except WeChatRefused as exc:
            if exc.errcode in WECHAT_REJECTED:
                raise LoginRejected(str(exc.errcode)) from None
            log.warning("wechat login refused", extra={"errcode": exc.errcode})
            raise PartnerUnavailable(f"wechat errcode {exc.errcode}") from None
        except OSError as exc:  # adapters/http_pool.py: unreached, or no answer
            raise PartnerUnavailable(type(exc).__name__) from None
        openid = answer.get("openid")
        if not isinstance(openid, str) or not openid:  # JSON without a user
            log.warning("wechat login answer unreadable")
            raise PartnerUnavailable("wechat answer without openid")
        # session_key stays here: it is never stored, logged or returned
        return openid


class AlipayLogin:
    """alipay.system.oauth.token through python-alipay-sdk's server_api."""

    def __init__(self, app: AlipayApp) -> None:
        self._app = app

    def user_id(self, code: str) -> str:
        from alipay.exceptions import AliPayException, AliPayValidationError

        try:
            answer = self._app.server_api(OAUTH_METHOD, grant_type="authorization_code", code=code)
        except AliPayValidationError:
            log.error("alipay answer failed signature verification")
            raise PartnerUnavailable("alipay signature") from None
        except AliPayException as exc:  # an error_response, or an unsigned answer
            raise _alipay_refusal(_error_of(exc)) from None
        except OSError as exc:  # urllib's URLError and timeouts
            raise PartnerUnavailable(type(exc).__name__) from None
        except (ValueError, AttributeError, TypeError):  # not JSON, or JSON of another shape
            log.warning("alipay login answer unreadable")
            raise PartnerUnavailable("alipay unreadable") from None
        user = answer.get("user_id") or answer.get("open_id") if isinstance(answer, dict) else None
        if isinstance(user, str) and user:
            return user
        # an error Alipay signed inside the normal answer: verified, but no user
        raise _alipay_refusal(answer if isinstance(answer, dict) else {})


def _error_of(exc: Exception) -> Mapping[str, Any]:
    """The error object inside the SDK's AliPayException. The SDK keeps it only in its text,
    "AliPayException: code:<code>, message:<the raw answer>", and has no attribute for it."""
    raw = str(exc).partition("message:")[2]
    try:
        answer = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(answer, dict):
        return {}
    error: Any = answer.get("error_response") or next(
        (v for k, v in answer.items() if k.endswith("_response")), {}
    )
    return error if isinstance(error, dict) else {}


def _alipay_refusal(error: Mapping[str, Any]) -> Exception:
    sub_code = str(error.get("sub_code", ""))
    if sub_code in ALIPAY_REJECTED:
        return LoginRejected(sub_code)
    log.warning(
        "alipay login refused", extra={"code": str(error.get("code", "")), "sub_code": sub_code}
    )
    return PartnerUnavailable(f"alipay {error.get('code', '')} {sub_code}".strip())
