"""The adapters that reach outside: the SMS gateway, platform logins and notices, WeChat's
official-account API, and the partner client."""

from __future__ import annotations

import logging

import aiohttp
import redis

from adapters import metrics
from adapters.alipay_app import AlipayApp
from adapters.http_pool import PooledHttp
from adapters.identity import AlipayLogin, PlatformIdentity, WeChatLogin
from adapters.notices import Channel, PlatformNotices
from adapters.notices.alipay import AlipayTemplate
from adapters.notices.wechat import WeChatClients, WeChatSubscribe, WeChatTemplate
from adapters.partner_signing import PartnerCallChecker
from adapters.partners import PartnerClient
from adapters.qrcodes.alipay import AlipayCode
from adapters.qrcodes.h5 import H5Code
from adapters.qrcodes.wechat import MiniProgramCode, OfficialAccountCode
from adapters.sms.aliyun import AliyunSmsGateway
from adapters.sms.sandbox import SandboxSmsGateway
from adapters.sms.tencent import TencentSmsGateway
from adapters.wechat_callback import WeChatCallback
from adapters.wechat_token import SharedTokenClient
from adapters.wechat_web import WeChatWebLogin
from app.config import ConfigError, Settings
from app.domain import platforms
from app.domain.channels import QrKind
from app.domain.providers import Registry
from app.ports.messages import SmsGateway
from app.ports.qrcodes import QrCodeMaker
from notices.platform import parse_fields
from notices.sms import Templates

log = logging.getLogger(__name__)


def sms_gateway(settings: Settings, templates: Templates) -> SmsGateway:
    """SMS_PROVIDER: sandbox | aliyun | tencent (docs/notices-and-gateways.md)."""
    s, timeout = settings, settings.sms_timeout_s
    if s.sms_provider == "sandbox":
        return SandboxSmsGateway(s.sms_endpoint, s.sms_secret.encode(), templates, timeout)
    if s.sms_provider == "aliyun":
        _require(s, "aliyun_access_key_id", "aliyun_access_key_secret")
        return AliyunSmsGateway(
            s.aliyun_access_key_id,
            s.aliyun_access_key_secret,
            s.aliyun_sms_endpoint,
            templates,
            timeout,
        )
    if s.sms_provider == "tencent":
        _require(s, "tencent_secret_id", "tencent_secret_key", "tencent_sms_app_id")
        return TencentSmsGateway(
            s.tencent_secret_id,
            s.tencent_secret_key,
            s.tencent_sms_app_id,
            s.tencent_sms_region,
            s.tencent_sms_endpoint,
            templates,
            s.tencent_sms_max_param_chars,
            timeout,
        )
    raise ConfigError(f"unknown SMS_PROVIDER {s.sms_provider!r}")


def _require(settings: Settings, *names: str) -> None:
    missing = [name.upper() for name in names if not getattr(settings, name)]
    if missing:
        raise ConfigError(f"SMS_PROVIDER={settings.sms_provider} needs {', '.join(missing)}")


def alipay_app(s: Settings, timeout_s: float) -> AlipayApp:
    return AlipayApp(
        s.alipay_appid, s.alipay_app_private_key, s.alipay_public_key, s.alipay_gateway, timeout_s
    )


LOGIN_TIMEOUT_S = 3.0


def web_login(s: Settings) -> WeChatWebLogin:
    """WeChat web OAuth (snsapi_base) of the official account, for the H5 pages."""
    redirect_uri = f"{s.public_url.rstrip('/')}/h5/oauth/callback"
    return WeChatWebLogin(
        s.wechat_oa_appid,
        s.wechat_oa_secret,
        s.wechat_api_base,
        s.wechat_oauth_base,
        redirect_uri,
        PooledHttp(LOGIN_TIMEOUT_S),
    )


def identity(s: Settings) -> PlatformIdentity:
    """Every platform's login, each on the process's pooled HTTP client (adapters/http_pool)."""
    wechat = WeChatLogin(
        s.wechat_mp_appid, s.wechat_mp_secret, s.wechat_api_base, PooledHttp(LOGIN_TIMEOUT_S)
    )
    return PlatformIdentity(
        {
            platforms.WECHAT: wechat,
            platforms.ALIPAY: AlipayLogin(alipay_app(s, timeout_s=LOGIN_TIMEOUT_S)),
            platforms.WECHAT_OA: web_login(s),
        }
    )


def notifier(s: Settings, client: redis.Redis) -> PlatformNotices:
    """A channel for each platform whose notice template is configured; the others get none."""
    clients = WeChatClients(s.wechat_api_base, client, s.notice_timeout_s)
    channels: dict[str, Channel] = {}
    if s.wechat_mp_notice_template_id:
        channels[platforms.WECHAT] = WeChatSubscribe(
            lambda: clients.get(s.wechat_mp_appid, s.wechat_mp_secret),
            s.wechat_mp_notice_template_id,
            _notice_fields("WECHAT_MP_NOTICE_FIELDS", s.wechat_mp_notice_fields),
            s.wechat_mp_notice_page,
        )
    if s.wechat_oa_notice_template_id:
        channels[platforms.WECHAT_OA] = WeChatTemplate(
            lambda: clients.get(s.wechat_oa_appid, s.wechat_oa_secret),
            s.wechat_oa_notice_template_id,
            _notice_fields("WECHAT_OA_NOTICE_FIELDS", s.wechat_oa_notice_fields),
            s.wechat_oa_notice_url,
        )
    if s.alipay_notice_template_id:
        channels[platforms.ALIPAY] = AlipayTemplate(
            alipay_app(s, s.notice_timeout_s),
            s.alipay_notice_template_id,
            _notice_fields("ALIPAY_NOTICE_FIELDS", s.alipay_notice_fields),
            s.alipay_notice_page,
        )
    return PlatformNotices(channels)


def _notice_fields(name: str, spec: str) -> dict[str, str]:
    try:
        return parse_fields(spec)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def official_account_api(s: Settings, client: redis.Redis) -> SharedTokenClient:
    return SharedTokenClient(s.wechat_oa_appid, s.wechat_oa_secret, s.wechat_api_base, client)


def qr_makers(s: Settings, client: redis.Redis) -> dict[QrKind, QrCodeMaker]:
    """A maker per kind of QR code; the WeChat ones share each account's one token store."""
    mini_program = SharedTokenClient(
        s.wechat_mp_appid, s.wechat_mp_secret, s.wechat_api_base, client
    )
    makers: list[QrCodeMaker] = [
        MiniProgramCode(
            mini_program, s.wechat_api_base, s.wechat_mp_code_page, s.wechat_mp_env_version
        ),
        OfficialAccountCode(official_account_api(s, client), s.wechat_qrcode_base),
        AlipayCode(alipay_app(s, timeout_s=5.0), s.alipay_qrcode_page),
        H5Code(s.public_url),
    ]
    return {maker.kind: maker for maker in makers}


def callback_envelope(s: Settings) -> WeChatCallback:
    return WeChatCallback(
        s.wechat_oa_token, s.wechat_oa_aes_key, s.wechat_oa_appid, s.wechat_oa_replay_window_s
    )


def partner_client(settings: Settings, session: aiohttp.ClientSession) -> PartnerClient:
    return PartnerClient(
        session,
        endpoint_of=lambda p: settings.partner_endpoint(p.id, p.endpoint),
        secret_of=lambda p: settings.partner_secret(p.id, p.secret_env),
        timeout_s=settings.partner_timeout_s,
        attempts=settings.partner_attempts,
        batch_window_s=settings.partner_batch_window_ms / 1000
        if settings.partner_batching
        else None,
        observe_batch=metrics.observe_batch,
    )


def operator_calls(settings: Settings, registry: Registry) -> PartnerCallChecker:
    """Calls from the operators (their answers to reports), checked with each one's key."""
    operators = {o.id: o for o in registry.operators}

    def secret_of(partner_id: str) -> bytes | None:
        operator = operators.get(partner_id)
        if operator is None:
            return None
        try:
            return settings.partner_secret(operator.id, operator.secret_env)
        except ConfigError:
            log.error("operator key missing", extra={"variable": operator.secret_env})
            return None

    return PartnerCallChecker(secret_of)
