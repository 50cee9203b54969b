"""The sandbox's settings, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_SECRET_PREFIX = "PARTNER_SECRET_"


@dataclass(frozen=True)
class SandboxSettings:
    port: int = 8001
    latency_ms: int = 20  # base latency of every emulated partner call
    access_log: bool = True  # SANDBOX_ACCESS_LOG=0 turns it off (make bench: it is not ours)
    keys_dir: Path = _ROOT / "var" / "sandbox-keys"  # the app reads the same default
    wechat_mp_appid: str = "wx_sandbox_mp"
    wechat_mp_secret: str = "sandbox-mp-secret"
    wechat_oa_appid: str = "wx_sandbox_oa"
    wechat_oa_secret: str = "sandbox-oa-secret"
    wechat_oa_token: str = "sandbox-oa-token"  # signs the QR-code scans it sends (wechat_scan)
    callback_url: str = "http://127.0.0.1:8000/wechat/official/callback"  # the app's, for scans
    alipay_appid: str = "2021000000000001"
    sms_secret: str = "sandbox-secret-sms"
    # partner id (lower case) -> HMAC key; partners not listed use "sandbox-secret-<id>"
    partner_secrets: Mapping[str, str] = field(default_factory=dict)
    providers_path: Path = _ROOT / "app" / "data" / "providers.yaml"
    sms_templates_path: Path = _ROOT / "notices" / "sms_templates.yaml"
    # per-number sending limits (sandbox/sms_frequency.py): off unless asked for, as api.md says
    sms_frequency: bool = False
    sms_frequency_limits: Mapping[str, int] = field(default_factory=dict)
    tencent_max_param_chars: int = 6  # Tencent: "以控制台为准" for non-code variables
    alipay_clock_skew_s: float = 900.0  # Alipay's timestamp tolerance is not published
    # where the operators send their signed answers to reports: the API (SANDBOX_BACKEND_URL,
    # else http://127.0.0.1:$PORT)
    backend_url: str = "http://127.0.0.1:8000"

    def partner_secret(self, partner_id: str) -> bytes:
        return self.partner_secrets.get(partner_id, f"sandbox-secret-{partner_id}").encode()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SandboxSettings:
        env = os.environ if env is None else env
        default = cls()
        secrets = {
            name[len(_SECRET_PREFIX) :].lower(): value
            for name, value in env.items()
            if name.startswith(_SECRET_PREFIX) and value
        }
        return cls(
            port=int(env.get("SANDBOX_PORT") or default.port),
            latency_ms=int(env.get("SANDBOX_LATENCY_MS") or default.latency_ms),
            access_log=env.get("SANDBOX_ACCESS_LOG", "1") != "0",
            keys_dir=Path(env.get("SANDBOX_KEYS_DIR") or default.keys_dir),
            wechat_mp_appid=env.get("WECHAT_MP_APPID") or default.wechat_mp_appid,
            wechat_mp_secret=env.get("WECHAT_MP_SECRET") or default.wechat_mp_secret,
            wechat_oa_appid=env.get("WECHAT_OA_APPID") or default.wechat_oa_appid,
            wechat_oa_secret=env.get("WECHAT_OA_SECRET") or default.wechat_oa_secret,
            wechat_oa_token=env.get("WECHAT_OA_TOKEN") or default.wechat_oa_token,
            callback_url=_callback_url(env),
            alipay_appid=env.get("ALIPAY_APPID") or default.alipay_appid,
            sms_secret=env.get("SMS_SANDBOX_SECRET") or default.sms_secret,
            partner_secrets=secrets,
            # the deployment's registered templates, as the app reads them
            sms_templates_path=Path(env.get("SMS_TEMPLATES_FILE") or default.sms_templates_path),
            sms_frequency=env.get("SANDBOX_SMS_FREQUENCY", "off").lower() in ("1", "on", "true"),
            sms_frequency_limits=_limits(env.get("SANDBOX_SMS_FREQUENCY_LIMITS", "")),
            tencent_max_param_chars=int(
                env.get("SANDBOX_TENCENT_MAX_PARAM_CHARS") or default.tencent_max_param_chars
            ),
            alipay_clock_skew_s=float(
                env.get("SANDBOX_ALIPAY_CLOCK_SKEW_S") or default.alipay_clock_skew_s
            ),
            backend_url=env.get("SANDBOX_BACKEND_URL")
            or f"http://127.0.0.1:{env.get('PORT') or 8000}",
        )


def _callback_url(env: Mapping[str, str]) -> str:
    """Where WeChat sends the official account's events: the app's callback at PUBLIC_URL (the
    app's own default, http://127.0.0.1:$PORT, when unset)."""
    base = env.get("PUBLIC_URL") or f"http://127.0.0.1:{env.get('PORT') or 8000}"
    return env.get("SANDBOX_OA_CALLBACK_URL") or f"{base.rstrip('/')}/wechat/official/callback"


def _limits(spec: str) -> dict[str, int]:
    """ "tencent.daily=10,aliyun.minute=2" -> {"tencent.daily": 10, "aliyun.minute": 2}."""
    pairs = (item.split("=", 1) for item in spec.split(",") if item.strip())
    return {name.strip(): int(value) for name, value in pairs}
