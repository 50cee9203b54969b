"""create_app: a short list of register/init calls."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from adapters import redis_keys
from app import cli, h5, logs, metrics, official_account
from app.bootstrap import build_context
from app.config import Settings
from app.sentry import init_sentry
from app.services.context import Context
from miniprogram_api.api import MAX_BODY_BYTES, register_api


def create_app(config: Settings | Context | None = None) -> Flask:
    """config: Settings (built from the environment when None), or a ready Context (tests)."""
    ctx = config if isinstance(config, Context) else build_context(config or Settings.from_env())
    logs.configure("api")
    init_sentry(ctx.settings, "api")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["yzt"] = ctx
    register_request_id(app)
    register_health(app)
    register_api(app)
    register_proxy_fix(app, ctx.settings.trusted_proxy_count)
    cli.init_app(app)
    metrics.init_app(app)
    official_account.init_app(app)
    h5.init_app(app)
    return app


def register_proxy_fix(app: Flask, trusted_proxies: int) -> None:
    """Behind N trusted reverse proxies, the client IP is the Nth address from the right of
    X-Forwarded-For. With none configured the header is ignored: a client could forge it."""
    if trusted_proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies
        )


def register_request_id(app: Flask) -> None:
    @app.before_request
    def assign() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = (
            incoming if incoming.isalnum() and len(incoming) <= 64 else secrets.token_hex(8)
        )
        logs.request_id.set(g.request_id)

    @app.after_request
    def echo(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "-")
        return response


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Any:
        store = app.extensions["yzt"].store
        state = {"redis": "down", "worker": "down"}
        try:
            beat = store.redis.exists(redis_keys.worker_heartbeat())
            state["redis"] = "ok"
            state["worker"] = "ok" if beat else "down"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            app.logger.warning("readiness check failed: %s", type(exc).__name__)
        ready = state == {"redis": "ok", "worker": "ok"}
        response = jsonify(state)
        response.status_code = 200 if ready else 503
        return response
