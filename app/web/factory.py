"""create_app: the API process's Flask app, a short list of register/init calls."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.cli import init_app as init_cli
from app.config import Settings
from app.runtime import logs
from app.runtime.sentry import init_sentry
from app.web import h5, health, metrics, official_account, partner_calls
from app.web.services import EXTENSION
from app.wiring.api import ApiServices, build_api
from miniprogram_api.api import MAX_BODY_BYTES, register_api


def create_app(config: Settings | ApiServices | None = None) -> Flask:
    """config: Settings (built from the environment when None), or ready ApiServices (tests)."""
    services = (
        config if isinstance(config, ApiServices) else build_api(config or Settings.from_env())
    )
    logs.configure("api")
    init_sentry(services.settings, "api")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[EXTENSION] = services
    register_request_id(app)
    health.init_app(app)
    register_api(app)
    register_proxy_fix(app, services.settings.trusted_proxy_count)
    init_cli(app)
    metrics.init_app(app)
    official_account.init_app(app)
    partner_calls.init_app(app)
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
