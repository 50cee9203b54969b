"""Prometheus metrics, correct under multi-process gunicorn and Dramatiq.

With PROMETHEUS_MULTIPROC_DIR set (the stack and deploy/ set it), every process of a host
writes its counters to files there, and /metrics on any API process adds them all up; the
worker processes on that host are included. Without it (tests), the process's own registry
is exported. Breaker states and queue depth are read from Redis when /metrics is scraped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter("yzt_http_requests_total", "API requests", ["endpoint", "status"])
CODE_SMS = Counter("yzt_code_sms_total", "Code SMS requests by result", ["result"])
QUERIES = Counter("yzt_queries_total", "Finished queries", ["service", "outcome", "status"])
PARTNER_SECONDS = Histogram(
    "yzt_partner_call_seconds",
    "Partner call latency (after retries)",
    ["partner"],
    buckets=(0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2, 3, 5, 10),
)
PARTNER_ERRORS = Counter("yzt_partner_errors_total", "Partner calls without an answer", ["partner"])
BATCH_QUERIES = Histogram(
    "yzt_partner_batch_queries",
    "Queries per batch request to a partner",
    ["partner"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
BATCH_WAIT_SECONDS = Histogram(
    "yzt_partner_batch_wait_seconds",
    "How long the first query of a batch waited in its partner's window",
    ["partner"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
)
CODE_RESULTS = {202: "sent", 429: "refused", 503: "failed"}


def observe_batch(partner: str, queries: int, wait_s: float) -> None:
    """A batch request left: its size, and its oldest query's time in the window."""
    BATCH_QUERIES.labels(partner).observe(queries)
    BATCH_WAIT_SECONDS.labels(partner).observe(wait_s)


class PrometheusMetrics:
    """The Metrics port."""

    def partner_call(self, partner: str, seconds: float, ok: bool) -> None:
        PARTNER_SECONDS.labels(partner).observe(seconds)
        if not ok:
            PARTNER_ERRORS.labels(partner).inc()

    def query_finished(self, service: str, outcome: str, status: str) -> None:
        QUERIES.labels(service, outcome, status).inc()


def observe_request(endpoint: str, status: int) -> None:
    HTTP_REQUESTS.labels(endpoint, str(status)).inc()
    if endpoint == "api_v1.VerificationCodes":
        CODE_SMS.labels(CODE_RESULTS.get(status, "invalid")).inc()


class StateCollector(Collector):
    """Read at scrape time: each partner's breaker, the task queue's depth, and today's funnel
    of the QR-code channels, all channels together (a label per stage, never per channel: the
    number of series stays bounded however many channels there are)."""

    BREAKER_VALUES = {"closed": 0.0, "half_open": 0.5, "open": 1.0}  # noqa: RUF012

    def __init__(
        self,
        breakers: Mapping[str, str],
        queue_depth: tuple[int, int],
        funnel_today: Mapping[str, int] | None = None,
    ) -> None:
        self.breakers, self.queue_depth = breakers, queue_depth
        self.funnel_today = funnel_today or {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        breakers = GaugeMetricFamily(
            "yzt_breaker_open",
            "1 while a partner's breaker is open, 0.5 half-open",
            labels=["partner"],
        )
        for partner, state in self.breakers.items():
            breakers.add_metric([partner], self.BREAKER_VALUES[str(state)])
        yield breakers
        queue = GaugeMetricFamily("yzt_queue_messages", "Queries queued", labels=["state"])
        waiting, in_flight = self.queue_depth
        queue.add_metric(["waiting"], float(waiting))
        queue.add_metric(["in_flight"], float(in_flight))
        yield queue
        funnel = GaugeMetricFamily(
            "yzt_channel_funnel_today",
            "Today's (China time) QR-code channel funnel, all channels together",
            labels=["stage"],
        )
        for stage, count in self.funnel_today.items():
            funnel.add_metric([str(stage)], float(count))
        yield funnel


def exposition(state: Collector | None) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    if state is not None:
        live = CollectorRegistry()
        live.register(state)
        output += generate_latest(live)
    return output
