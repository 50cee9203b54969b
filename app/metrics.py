"""GET /metrics for Prometheus, and the per-request counter.

/metrics counts results and mismatches: it answers only the scraper's bearer token
(METRICS_TOKEN), compared in constant time. Without a configured token it does not exist (404).
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from adapters.metrics import StateCollector, exposition, observe_request
from miniprogram_api.errors import error_response


def init_app(app: Flask) -> None:
    @app.after_request
    def count(response: Response) -> Response:
        observe_request(request.endpoint or "unmatched", response.status_code)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        ctx = app.extensions["yzt"]
        expected = ctx.settings.metrics_token
        if not expected:
            return error_response(404, "not_found", "请求的资源不存在")
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(401, "unauthenticated", "需要有效的访问令牌")
        ids = [p.id for p in ctx.registry.partners]
        try:
            state = StateCollector(ctx.store, ids, ctx.clock.now())
            list(state.collect())  # Redis down: still export the process counters
        except Exception:  # noqa: BLE001
            state = None
        return Response(exposition(state), mimetype="text/plain; version=0.0.4")
