"""GET /metrics for Prometheus, and the per-request counter.

/metrics counts results and mismatches: it answers only the scraper's bearer token
(METRICS_TOKEN), compared in constant time. Without a configured token it does not exist (404).
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from adapters.metrics import StateCollector, exposition, observe_request
from app.ports.state import StoreUnavailable
from app.web.services import services
from miniprogram_api import error_table as table
from miniprogram_api.errors import entry_response


def init_app(app: Flask) -> None:
    @app.after_request
    def count(response: Response) -> Response:
        observe_request(request.endpoint or "unmatched", response.status_code)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        api = services()
        expected = api.settings.metrics_token
        if not expected:
            return entry_response(table.of_status(404))
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return entry_response(table.SCRAPER_UNAUTHENTICATED)
        try:
            funnel = {str(stage): n for stage, n in api.channels.today_totals().items()}
            state = StateCollector(api.catalogue.breaker_states(), api.queue.depth(), funnel)
        except (StoreUnavailable, OSError):  # Redis down: still export the process counters
            state = None
        return Response(exposition(state), mimetype="text/plain; version=0.0.4")
