"""The sandbox: an aiohttp app that emulates every partner over HTTP, plus /_sandbox control.

Run it with `python -m sandbox`. See api.md ("Sandbox") and docs/partner-protocol.md.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from sandbox import (
    alipay,
    control,
    notices,
    partners,
    qrcodes,
    reports,
    sms,
    sms_clouds,
    wechat,
    wechat_oa,
    wechat_scan,
    wechat_web,
)
from sandbox.accesslog import guard_default_access_log, runner_kwargs
from sandbox.catalog import load_catalog
from sandbox.common import CATALOG, CLOSING, KEYS, SETTINGS, STATE
from sandbox.keys import ensure_keys, load_keys
from sandbox.settings import SandboxSettings
from sandbox.state import SandboxState

__all__ = ["SandboxSettings", "create_app", "runner_kwargs"]


async def _wake_hanging_handlers(app: web.Application) -> None:
    app[CLOSING].set()  # "timeout" faults stop waiting so shutdown is quick


def create_app(settings: SandboxSettings | None = None) -> web.Application:
    settings = settings or SandboxSettings.from_env()
    ensure_keys(settings.keys_dir)
    guard_default_access_log()
    app = web.Application()
    app[SETTINGS] = settings
    app[STATE] = state = SandboxState()
    state.frequency_at_start = (settings.sms_frequency, dict(settings.sms_frequency_limits))
    unknown = state.frequency.configure(*state.frequency_at_start)
    if unknown:
        raise ValueError(f"SANDBOX_SMS_FREQUENCY_LIMITS: no rule {unknown!r}")
    app[CATALOG] = load_catalog(settings.providers_path, settings.sms_templates_path)
    app[KEYS] = load_keys(settings.keys_dir)
    app[CLOSING] = asyncio.Event()
    app.on_shutdown.append(_wake_hanging_handlers)
    for module in (
        control,
        partners,
        reports,
        sms,
        wechat,
        alipay,
        wechat_oa,
        wechat_web,
        notices,
        sms_clouds,
        qrcodes,
        wechat_scan,
    ):
        module.add_routes(app)
    return app
