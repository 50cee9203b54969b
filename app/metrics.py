"""GET /metrics for Prometheus, and the per-request counter."""

from __future__ import annotations

from flask import Flask, Response, request

from adapters.metrics import StateCollector, exposition, observe_request


def init_app(app: Flask) -> None:
    @app.after_request
    def count(response: Response) -> Response:
        observe_request(request.endpoint or "unmatched", response.status_code)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        ctx = app.extensions["yzt"]
        ids = [p.id for p in ctx.registry.partners]
        try:
            state = StateCollector(ctx.store, ids, ctx.clock.now())
            list(state.collect())  # Redis down: still export the process counters
        except Exception:  # noqa: BLE001
            state = None
        return Response(exposition(state), mimetype="text/plain; version=0.0.4")
