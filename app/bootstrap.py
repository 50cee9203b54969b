"""The only place that builds concrete adapters from Settings."""

from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path

import aiohttp
import yaml

from adapters.alipay_app import AlipayApp
from adapters.epoch_sealing import EpochKeys, EpochSealer
from adapters.identity import AlipayLogin, PlatformIdentity, WeChatLogin
from adapters.metrics import PrometheusMetrics
from adapters.notices import Channel, PlatformNotices
from adapters.notices.alipay import AlipayTemplate
from adapters.notices.wechat import WeChatClients, WeChatSubscribe, WeChatTemplate
from adapters.partners import PartnerClient
from adapters.redis_store import RedisStore, connect
from adapters.sealing import AesGcmSealer
from adapters.sms.aliyun import AliyunSmsGateway
from adapters.sms.sandbox import SandboxSmsGateway
from adapters.sms.tencent import TencentSmsGateway
from adapters.task_queue import DramatiqQueue, build_broker
from adapters.wechat_token import SharedTokenClient
from adapters.wechat_web import PLATFORM as H5_PLATFORM
from adapters.wechat_web import WeChatWebLogin, WithWebLogin
from app.config import ConfigError, Settings
from app.domain.guides import CatalogueError, Guidance, load_guidance
from app.domain.hashing import KeyedHasher
from app.domain.providers import Registry, load_registry
from app.official_account.callback import OfficialAccount
from app.official_account.dedupe import SeenMessages
from app.official_account.replies import Replies
from app.ports import SmsGateway
from app.services import catalogue
from app.services.context import Context
from app.services.delivery import KEEP_AFTER_WINDOW_S
from notices.platform import parse_fields
from notices.sms import TEMPLATES_FILE, Templates, check_code_templates, load_templates

log = logging.getLogger(__name__)


class SystemClock:
    def now(self) -> float:
        return time.time()


@cache
def _registry_file(path: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def build_registry(settings: Settings) -> Registry:
    return load_registry(_registry_file(settings.providers_file), settings.sandbox)


def build_guidance(settings: Settings, registry: Registry) -> Guidance:
    """解绑与明细查询说明 and the hotlines: a flawed data file stops the app here, at start."""
    try:
        guides = _registry_file(settings.guides_file)
        hotlines = _registry_file(settings.hotlines_file)
        return load_guidance(guides, hotlines, registry)
    except (OSError, yaml.YAMLError, CatalogueError) as exc:
        raise ConfigError(f"guidance data files: {exc}") from exc


def build_sms(settings: Settings, templates: Templates) -> SmsGateway:
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


def build_templates(settings: Settings) -> Templates:
    """The registered templates; a code template that does not fit CODE_TTL_S stops the start."""
    path = Path(settings.sms_templates_file) if settings.sms_templates_file else TEMPLATES_FILE
    templates = load_templates(path, signature=settings.sms_signature)
    try:
        check_code_templates(templates, settings.code_ttl_s)
    except ValueError as exc:
        raise ConfigError(f"SMS templates ({path.name}): {exc}") from None
    return templates


def build_notifier(settings: Settings) -> PlatformNotices:
    """A channel for each platform whose notice template is configured; the others get none."""
    s = settings
    clients = WeChatClients(
        s.wechat_api_base, connect(s.redis_url, s.redis_timeout_s), s.notice_timeout_s
    )
    channels: dict[str, Channel] = {}
    if s.wechat_mp_notice_template_id:
        channels["wechat"] = WeChatSubscribe(
            lambda: clients.get(s.wechat_mp_appid, s.wechat_mp_secret),
            s.wechat_mp_notice_template_id,
            _notice_fields("WECHAT_MP_NOTICE_FIELDS", s.wechat_mp_notice_fields),
            s.wechat_mp_notice_page,
        )
    if s.wechat_oa_notice_template_id:
        channels[H5_PLATFORM] = WeChatTemplate(
            lambda: clients.get(s.wechat_oa_appid, s.wechat_oa_secret),
            s.wechat_oa_notice_template_id,
            _notice_fields("WECHAT_OA_NOTICE_FIELDS", s.wechat_oa_notice_fields),
            s.wechat_oa_notice_url,
        )
    if s.alipay_notice_template_id:
        channels["alipay"] = AlipayTemplate(
            alipay_app(s, s.notice_timeout_s),
            s.alipay_notice_template_id,
            _notice_fields("ALIPAY_NOTICE_FIELDS", s.alipay_notice_fields),
            s.alipay_notice_page,
        )
    return PlatformNotices(channels)


def alipay_app(s: Settings, timeout_s: float) -> AlipayApp:
    return AlipayApp(
        s.alipay_appid, s.alipay_app_private_key, s.alipay_public_key, s.alipay_gateway, timeout_s
    )


def _notice_fields(name: str, spec: str) -> dict[str, str]:
    try:
        return parse_fields(spec)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def build_context(settings: Settings) -> Context:
    """Everything the API and the worker share. Opens no connection: clients connect lazily."""
    secret = settings.secret_key.encode()
    templates = build_templates(settings)
    redis_client = connect(settings.redis_url, settings.redis_timeout_s)
    identity = PlatformIdentity(
        WeChatLogin(
            settings.wechat_mp_appid,
            settings.wechat_mp_secret,
            settings.wechat_api_base,
            redis_client,  # the one token store, should the login client ever need a token
        ),
        AlipayLogin(alipay_app(settings, timeout_s=3.0)),
    )
    registry = build_registry(settings)
    clock = SystemClock()
    return Context(
        settings=settings,
        registry=registry,
        store=RedisStore(
            redis_client,
            settings.ticket_ttl_s,
            settings.breaker_threshold,
            settings.breaker_cooldown_s,
        ),
        hasher=KeyedHasher(secret),
        token_sealer=AesGcmSealer.from_secret(secret, settings.form_seal_keys),
        form_sealer=build_form_sealer(settings, clock),
        sms=build_sms(settings, templates),
        templates=templates,
        identity=WithWebLogin(identity, build_web_login(settings)),
        queue=DramatiqQueue(build_broker(settings.redis_url, settings.broker_url)),
        clock=clock,
        notifier=build_notifier(settings),
        metrics=PrometheusMetrics(),
        guidance=build_guidance(settings, registry),
    )


def build_form_sealer(settings: Settings, clock: SystemClock) -> EpochSealer:
    """Forms are sealed under epoch keys held in Redis memory only (crypto-shredding): on the
    key store when KEYSTORE_REDIS_URL names one (a memory-only Redis), else on REDIS_URL."""
    url = settings.keystore_redis_url or settings.redis_url
    if not settings.keystore_redis_url and not settings.sandbox:
        log.warning(
            "KEYSTORE_REDIS_URL is not set: the forms' keys share REDIS_URL, and an AOF rewrite"
            " may write live keys to disk (docs/design.md, crypto-shredding)"
        )
    # a key lives as long as the longest-lived thing it seals: a form, or a result SMS parked
    # for the retry window of a throttled gateway
    keep_s = max(settings.form_ttl_s, settings.sms_retry_window_s + KEEP_AFTER_WINDOW_S)
    keys = EpochKeys(connect(url, settings.redis_timeout_s), clock, keep_s=keep_s)
    return EpochSealer(keys)


def build_web_login(settings: Settings) -> WeChatWebLogin:
    """WeChat web OAuth (snsapi_base) of the official account, for the H5 pages."""
    return WeChatWebLogin(
        settings.wechat_oa_appid,
        settings.wechat_oa_secret,
        settings.wechat_api_base,
        settings.wechat_oauth_base,
        f"{settings.public_url.rstrip('/')}/h5/oauth/callback",
    )


def build_partner_client(settings: Settings, session: aiohttp.ClientSession) -> PartnerClient:
    return PartnerClient(
        session,
        endpoint_of=lambda p: settings.partner_endpoint(p.id, p.endpoint),
        secret_of=lambda p: settings.partner_secret(p.id, p.secret_env),
        timeout_s=settings.partner_timeout_s,
        attempts=settings.partner_attempts,
    )


def build_official_account(ctx: Context) -> OfficialAccount:
    """The callback and the OA API client, on the store's Redis connection pool."""
    if not isinstance(ctx.store, RedisStore):
        raise ConfigError("the official account needs the Redis store")
    settings, client = ctx.settings, ctx.store.redis
    return OfficialAccount(
        settings=settings,
        replies=Replies.build(settings.public_url, catalogue.hotlines(ctx)),
        seen=SeenMessages(client, ctx.hasher),
        clock=ctx.clock,
        api=SharedTokenClient(
            settings.wechat_oa_appid, settings.wechat_oa_secret, settings.wechat_api_base, client
        ),
    )
