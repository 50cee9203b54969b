"""One typed Settings object, built from the environment. os.environ is read here only."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from app import secret_rules

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_SECRET_KEY = "sandbox-only-secret-key-change-me-in-production"
SANDBOX_ADMIN_TOKENS = "sandbox-admin:sandbox-only-admin-token-change-me-in-production"
SANDBOX_METRICS_TOKEN = "sandbox-only-metrics-token-change-me-in-production"
_ADMIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
# Our notice values -> the template's keywords; the keyword's type (thing, phrase...) sets its limit
NOTICE_FIELDS_WECHAT = (
    "service=thing1,status=phrase2,phone=character_string3,time=time4,remark=thing5"
)
NOTICE_FIELDS_ALIPAY = (
    "service=keyword1,status=keyword2,phone=keyword3,time=keyword4,remark=keyword5"
)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    sandbox: bool = False
    port: int = 8000
    sandbox_port: int = 8001
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = 2.0
    keystore_redis_url: str = ""  # memory-only Redis for the forms' epoch keys; "": REDIS_URL
    broker_url: str = ""  # amqp://… for RabbitMQ; empty: Dramatiq's Redis broker on REDIS_URL
    secret_key: str = ""
    sentry_dsn: str = ""
    # WeChat official account and mini-program
    wechat_oa_appid: str = ""
    wechat_oa_secret: str = ""
    wechat_oa_token: str = ""
    wechat_oa_aes_key: str = ""
    wechat_mp_appid: str = ""
    wechat_mp_secret: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # Alipay mini-program: keys as PEM text, or paths to PEM files
    alipay_appid: str = ""
    alipay_app_private_key: str = ""
    alipay_public_key: str = ""
    alipay_gateway: str = "https://openapi.alipay.com/gateway.do"
    # SMS gateway
    sms_provider: str = "sandbox"
    sms_endpoint: str = ""
    sms_secret: str = ""
    sms_signature: str = "一证通查"
    # official account and H5
    public_url: str = ""  # where users reach the API and H5 pages; sandbox: http://127.0.0.1:$PORT
    wechat_oa_replay_window_s: int = 300  # callback timestamps further from now are refused (403)
    wechat_oa_menu_pagepath: str = ""  # with WECHAT_MP_APPID: the 一证通查 button opens this page
    wechat_oauth_base: str = "https://open.weixin.qq.com"  # H5 web OAuth authorize page
    guides_file: str = str(ROOT / "app" / "data" / "guides.yaml")  # 解绑与明细查询说明
    hotlines_file: str = str(ROOT / "app" / "data" / "hotlines.yaml")
    # notices, SMS providers and Sentry
    sms_templates_file: str = ""  # the registered templates and their codes; "" = notices/'s
    sms_timeout_s: float = 5.0  # one SMS gateway call; a read timeout is an uncertain send
    aliyun_access_key_id: str = ""  # SMS_PROVIDER=aliyun: Alibaba Cloud SMS (dysmsapi)
    aliyun_access_key_secret: str = ""
    aliyun_sms_endpoint: str = "https://dysmsapi.aliyuncs.com"
    tencent_secret_id: str = ""  # SMS_PROVIDER=tencent: Tencent Cloud SMS (2021-01-11)
    tencent_secret_key: str = ""
    tencent_sms_app_id: str = ""  # SmsSdkAppId
    tencent_sms_region: str = "ap-guangzhou"
    tencent_sms_endpoint: str = "https://sms.tencentcloudapi.com"
    tencent_sms_max_param_chars: int = 6  # newer Tencent accounts: 6 characters per variable
    # platform notices: an empty template id turns that channel off
    notice_timeout_s: float = 3.0
    wechat_mp_notice_template_id: str = ""  # mini-program subscribe message (platform wechat)
    wechat_mp_notice_fields: str = NOTICE_FIELDS_WECHAT
    wechat_mp_notice_page: str = ""
    wechat_oa_notice_template_id: str = ""  # official-account template message (H5 users)
    wechat_oa_notice_fields: str = NOTICE_FIELDS_WECHAT
    wechat_oa_notice_url: str = ""
    alipay_notice_template_id: str = ""  # Alipay mini-program template message
    alipay_notice_fields: str = NOTICE_FIELDS_ALIPAY
    alipay_notice_page: str = ""
    sentry_environment: str = "production"
    # what the real SMS providers and WeChat require
    sms_retry_window_s: int = 1800  # a throttled result SMS is tried again for this long
    wechat_web_verify_file: str = ""  # "MP_verify_<x>.txt:<content>", web OAuth's domain check
    # QR-code channels: the platforms' codes (docs/channels.md)
    wechat_mp_env_version: str = "release"  # getUnlimited's env_version: release|trial|develop
    wechat_mp_code_page: str = ""  # the page the mini-program code opens; "": the home page
    wechat_qrcode_base: str = "https://mp.weixin.qq.com"  # showqrcode?ticket=, the OA's image
    alipay_qrcode_page: str = "pages/index/index"  # url_param of alipay.open.app.qrcode.create
    qrcode_cache_ttl_s: int = 30 * 86400  # how long a platform's QR image is kept
    # rules (product.md); limits are configuration
    code_quota_window_s: int = 86400
    code_limit_per_user_day: int = 5
    code_limit_per_ip_hour: int = 60
    query_limit_per_user_hour: int = 30  # submits of one user: its codes need only a few
    login_limit_per_ip_minute: int = 60  # logins per client network (IPv6: its /64)
    admin_tokens: str = ""  # "name:token,name2:token2": the admin API's bearer tokens
    metrics_token: str = ""  # bearer token of GET /metrics; empty: /metrics answers 404
    form_seal_keys: str = ""  # key rotation for sealed forms: "2:secret,1:older" (newest first)
    trusted_proxy_count: int = 0  # reverse proxies in front whose X-Forwarded-For we trust
    code_limit_global_per_minute: int = 20000  # all code SMS together: protects the SMS budget
    code_ttl_s: int = 300
    code_max_attempts: int = 3
    session_ttl_s: int = 7200
    ticket_ttl_s: int = 7 * 86400
    form_ttl_s: int = 3600
    # partner calls
    partner_timeout_s: float = 3.0
    partner_attempts: int = 3
    query_deadline_s: float = 20.0
    # partner micro-batching (docs/partner-protocol.md): how long a query waits for others to
    # share a batch request, for the partners whose registry entry has `batch`; off: one by one
    partner_batching: bool = True
    partner_batch_window_ms: float = 5.0
    breaker_threshold: int = 5  # consecutive failed calls that open a partner's breaker
    breaker_cooldown_s: float = 30.0  # open this long, then half-open: one probe at a time
    # 非本人 reports: an operator that is down gets the report again, waiting from the first
    # wait doubling to the longest, for the window; then the copy is refused
    report_forward_window_s: int = 86400
    report_retry_first_s: float = 30.0
    report_retry_longest_s: float = 1800.0
    partner_secrets: Mapping[str, str] = field(default_factory=dict)
    sandbox_keys_dir: str = str(ROOT / "var" / "sandbox-keys")
    providers_file: str = str(ROOT / "app" / "data" / "providers.yaml")

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        sandbox = env.get("SANDBOX", "0").lower() in ("1", "true", "yes")
        values: dict[str, Any] = {"sandbox": sandbox}
        for f in fields(cls):
            name = f.name.upper()
            if f.name in ("sandbox", "partner_secrets") or name not in env:
                continue
            values[f.name] = _coerce(f.type, env[name], name)
        values["partner_secrets"] = {
            k: v for k, v in env.items() if k.startswith("PARTNER_SECRET_")
        }
        settings = cls(**values)
        if sandbox:
            settings = settings.with_sandbox_defaults(set(values))
        settings.check()
        return settings

    def with_sandbox_defaults(self, given: set[str]) -> Settings:
        """Point everything at the sandbox, unless the environment said otherwise."""
        keys = Path(self.sandbox_keys_dir)
        defaults: dict[str, Any] = {
            "secret_key": SANDBOX_SECRET_KEY,
            "admin_tokens": SANDBOX_ADMIN_TOKENS,
            "metrics_token": SANDBOX_METRICS_TOKEN,
            "wechat_oa_appid": "wx_sandbox_oa",
            "wechat_oa_secret": "sandbox-oa-secret",
            "wechat_oa_token": "sandbox-oa-token",
            "wechat_oa_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "wechat_mp_appid": "wx_sandbox_mp",
            "wechat_mp_secret": "sandbox-mp-secret",
            "wechat_api_base": self.sandbox_url,
            "wechat_qrcode_base": self.sandbox_url,
            "alipay_appid": "2021000000000001",
            "alipay_app_private_key": str(keys / "app_private.pem"),
            "alipay_public_key": str(keys / "alipay_public.pem"),
            "alipay_gateway": f"{self.sandbox_url}/gateway.do",
            "sms_provider": "sandbox",
            "sms_endpoint": f"{self.sandbox_url}/sms/v1/send",
            "sms_secret": "sandbox-secret-sms",
            "public_url": f"http://127.0.0.1:{self.port}",
            "wechat_oauth_base": self.sandbox_url,
            "aliyun_access_key_id": "sandbox-aliyun-ak",
            "aliyun_access_key_secret": "sandbox-aliyun-secret",
            "aliyun_sms_endpoint": self.sandbox_url,
            "tencent_secret_id": "sandbox-tencent-id",
            "tencent_secret_key": "sandbox-tencent-key",
            "tencent_sms_app_id": "1400000000",
            "tencent_sms_endpoint": self.sandbox_url,
            "wechat_mp_notice_template_id": "sbx-mp-result",
            "wechat_oa_notice_template_id": "sbx-oa-result",
            "alipay_notice_template_id": "sbx-alipay-result",
            "sentry_environment": "sandbox",
            "wechat_web_verify_file": "MP_verify_SandboxYzt0001.txt:SandboxYzt0001",
        }
        return replace(self, **{k: v for k, v in defaults.items() if k not in given})

    def check(self) -> None:
        if len(self.secret_key) < 16:
            raise ConfigError("SECRET_KEY must be set (at least 16 characters)")
        self.admin_token_map()  # a malformed ADMIN_TOKENS stops the start, in any mode
        if not self.sandbox:
            self._check_production_secrets()
        if self.code_max_attempts < 1 or self.code_ttl_s < 30:
            raise ConfigError("code settings are out of range")
        if not 0 <= self.partner_batch_window_ms <= 1000:
            # the window is latency every batched query may pay: milliseconds, not seconds
            raise ConfigError("PARTNER_BATCH_WINDOW_MS must be from 0 to 1000")
        if self.redis_url.startswith("redis+cluster://") and not self.broker_url.startswith("amqp"):
            # Dramatiq's Redis broker needs one Redis: its scripts touch keys across slots
            raise ConfigError("with a Redis Cluster, set BROKER_URL to RabbitMQ (amqp://…)")
        if self.wechat_mp_env_version not in ("release", "trial", "develop"):
            raise ConfigError("WECHAT_MP_ENV_VERSION must be release, trial or develop")
        if not self.public_url.startswith(("http://", "https://")):
            # replies, the menu and the H5 OAuth redirect all need the address phones use
            raise ConfigError("PUBLIC_URL must be set, e.g. https://yzt.example.gov.cn")

    def admin_token_map(self) -> dict[str, str]:
        """ADMIN_TOKENS as {token: name}."""
        tokens: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in self.admin_tokens.split(","))):
            name, _, token = item.partition(":")
            if not (_ADMIN_NAME.fullmatch(name) and token) or token in tokens:
                raise ConfigError("ADMIN_TOKENS must look like 'name:token,name2:token2'")
            tokens[token] = name
        return tokens

    def _check_production_secrets(self) -> None:
        """api.md: no short, repetitive, sandbox or published secret outside the sandbox."""
        defaults = frozenset(
            {SANDBOX_SECRET_KEY, SANDBOX_METRICS_TOKEN, *SANDBOX_ADMIN_TOKENS.split(":")}
        )
        named = [("SECRET_KEY", self.secret_key)]
        admins = self.admin_token_map().items()
        named += [(f"ADMIN_TOKENS ({name})", token) for token, name in admins]
        named += [("FORM_SEAL_KEYS", key) for key in _rotation_secrets(self.form_seal_keys)]
        if self.metrics_token:
            named.append(("METRICS_TOKEN", self.metrics_token))
        for variable, value in named:
            problem = secret_rules.weakness(value, defaults, ROOT)
            if problem:
                raise ConfigError(f"{variable} {problem}: use a long random value")

    def partner_secret(self, partner_id: str, secret_env: str) -> bytes:
        secret = self.partner_secrets.get(secret_env)
        if secret is None and self.sandbox:
            secret = f"sandbox-secret-{partner_id}"
        if not secret:
            raise ConfigError(f"{secret_env} is not set")
        return secret.encode()

    def partner_endpoint(self, partner_id: str, endpoint: str) -> str:
        return f"{self.sandbox_url}/partners/{partner_id}" if self.sandbox else endpoint


def _rotation_secrets(rotation: str) -> list[str]:
    """The secrets of FORM_SEAL_KEYS ("2:secret,1:older"): they seal forms and session tokens."""
    return [item.partition(":")[2].strip() for item in filter(None, rotation.split(","))]


def _coerce(kind: Any, raw: str, name: str) -> Any:
    try:
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (bool, "bool"):
            return raw.lower() in ("1", "true", "yes")
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    return raw
