"""The only place that builds concrete adapters from Settings."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import aiohttp
import yaml

from adapters.identity import AlipayLogin, PlatformIdentity, WeChatLogin
from adapters.partners import PartnerClient
from adapters.redis_store import RedisStore, connect
from adapters.sealing import AesGcmSealer
from adapters.sms.sandbox import SandboxSmsGateway
from adapters.task_queue import DramatiqQueue, redis_broker
from app.config import ConfigError, Settings
from app.domain.hashing import KeyedHasher
from app.domain.providers import Registry, load_registry
from app.ports import SmsGateway
from app.services.context import Context
from notices.sms import Templates, load_templates


class SystemClock:
    def now(self) -> float:
        return time.time()


@cache
def _registry_file(path: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def build_registry(settings: Settings) -> Registry:
    return load_registry(_registry_file(settings.providers_file), settings.sandbox)


def build_sms(settings: Settings, templates: Templates) -> SmsGateway:
    if settings.sms_provider == "sandbox":
        return SandboxSmsGateway(settings.sms_endpoint, settings.sms_secret.encode(), templates)
    raise ConfigError(f"unknown SMS_PROVIDER {settings.sms_provider!r}")


def build_context(settings: Settings) -> Context:
    """Everything the API and the worker share. Opens no connection: clients connect lazily."""
    secret = settings.secret_key.encode()
    templates = load_templates(signature=settings.sms_signature)
    identity = PlatformIdentity(
        WeChatLogin(settings.wechat_mp_appid, settings.wechat_mp_secret, settings.wechat_api_base),
        AlipayLogin(
            settings.alipay_appid,
            settings.alipay_app_private_key,
            settings.alipay_public_key,
            settings.alipay_gateway,
        ),
    )
    return Context(
        settings=settings,
        registry=build_registry(settings),
        store=RedisStore(
            connect(settings.redis_url, settings.redis_timeout_s),
            settings.ticket_ttl_s,
            settings.breaker_threshold,
            settings.breaker_cooldown_s,
        ),
        hasher=KeyedHasher(secret),
        sealer=AesGcmSealer.from_secret(secret),
        sms=build_sms(settings, templates),
        templates=templates,
        identity=identity,
        queue=DramatiqQueue(redis_broker(settings.redis_url)),
        clock=SystemClock(),
    )


def build_partner_client(settings: Settings, session: aiohttp.ClientSession) -> PartnerClient:
    return PartnerClient(
        session,
        endpoint_of=lambda p: settings.partner_endpoint(p.id, p.endpoint),
        secret_of=lambda p: settings.partner_secret(p.id, p.secret_env),
        timeout_s=settings.partner_timeout_s,
        attempts=settings.partner_attempts,
    )
