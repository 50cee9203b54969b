"""gunicorn's production settings for the API (`gunicorn -c gunicorn.conf.py wsgi:app`).

- gthread workers: a request mostly waits on Redis (sub-millisecond) or, for a code request,
  on the SMS gateway (tens of milliseconds). Threads overlap those waits; processes use the cores.
- One process per core: Python runs one thread at a time per process.
- No access log here: nginx in front writes it (deploy/nginx.conf). Set GUNICORN_ACCESS_LOG=-
  to get one on stdout, e.g. without a proxy.
"""

from __future__ import annotations

import multiprocessing
import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# A request never takes long: partner calls happen in the worker tier, not here.
timeout = 30
graceful_timeout = 20
keepalive = 5  # behind nginx with upstream keepalive
# Recycle workers now and then, with jitter so they don't all restart together.
max_requests = 200_000
max_requests_jitter = 20_000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = "info"
# Both logs through our scrubber: paths may hold identifiers, and %0d%0a must not forge a line.
logger_class = "app.runtime.gunicorn_edge.ScrubbedLogger"
# One control socket per instance (gunicorn's default is one per user: a second instance on the
# host would take over the first's). Under systemd: /run/yzt-api/gunicorn.ctl (deploy/).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.join(
    os.environ.get("VAR_DIR") or os.path.join(os.path.dirname(__file__), "var"),
    "run",
    f"gunicorn-{os.environ.get('PORT', '8000')}.ctl",
)


def post_worker_init(worker: object) -> None:
    """The app is loaded: errors gunicorn answers itself become JSON; settle the heap
    (gc.freeze and thresholds, app/heap.py)."""
    from app.runtime import gunicorn_edge, heap

    gunicorn_edge.install_json_errors()
    heap.settle()


def child_exit(server: object, worker: object) -> None:
    """Prometheus multi-process mode: a dead worker's live gauges must not linger."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined,no-untyped-call]


# The request body limit is enforced by the app (16 KiB on /api); this bounds header abuse.
limit_request_line = 4094
limit_request_fields = 64
