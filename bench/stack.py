"""The bench's own stack: Redis, the sandbox (50 ms partners), gunicorn and Dramatiq workers."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil

from app.runtime.embedded_redis import free_port, start_redis, wait_for_port
from app.runtime.stack import (
    child_env,
    metrics_dir,
    shutdown,
    start_api,
    start_sandbox,
    start_worker,
)
from notices.sms import TEMPLATES_FILE


class BenchStack:
    def __init__(
        self,
        workdir: Path,
        latency_ms: int,
        web_workers: int,
        worker_processes: int,
        worker_threads: int,
        broker_url: str = "",
        batching: bool = True,
        batch_window_ms: float | None = None,
        web_threads: int = 0,
        web_worker_class: str = "",
    ) -> None:
        self.workdir = workdir
        self.ports = {"PORT": free_port(), "SANDBOX_PORT": free_port(), "REDIS": free_port()}
        base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BROKER_URL")}
        self.broker_url = broker_url  # "": Dramatiq's Redis broker on the bench's own Redis
        self.env = child_env(
            {
                **base,
                "SANDBOX": "1",
                "PORT": str(self.ports["PORT"]),
                "SANDBOX_PORT": str(self.ports["SANDBOX_PORT"]),
                "REDIS_URL": f"redis://127.0.0.1:{self.ports['REDIS']}/0",
                "SANDBOX_LATENCY_MS": str(latency_ms),
                # The emulated partners' access log is not our service's work: off, so the
                # sandbox sharing the cores takes less from what is measured.
                "SANDBOX_ACCESS_LOG": "0",
                "SANDBOX_KEYS_DIR": str(workdir / "keys"),
                "WEB_CONCURRENCY": str(web_workers),
                **({"GUNICORN_THREADS": str(web_threads)} if web_threads else {}),
                **({"GUNICORN_WORKER_CLASS": web_worker_class} if web_worker_class else {}),
                "WORKER_PROCESSES": str(worker_processes),
                "WORKER_THREADS": str(worker_threads),
                # The bench plays thousands of people from one IP: lift the abuse limits.
                "CODE_LIMIT_PER_USER_DAY": "1000000000",
                "CODE_LIMIT_PER_IP_HOUR": "1000000000",
                "CODE_LIMIT_GLOBAL_PER_MINUTE": "0",
                "LOGIN_LIMIT_PER_IP_MINUTE": "1000000000",
                "QUERY_LIMIT_PER_USER_HOUR": "1000000000",
                # Codes live 15 minutes, so none expires before its submit on a slow run. As a
                # deployment would, the bench registers code templates that say so.
                "CODE_TTL_S": "900",
                "SMS_TEMPLATES_FILE": str(fifteen_minute_templates(workdir)),
                **({"BROKER_URL": broker_url} if broker_url else {}),
                "PARTNER_BATCHING": "1" if batching else "0",
                **(
                    {"PARTNER_BATCH_WINDOW_MS": str(batch_window_ms)}
                    if batch_window_ms is not None
                    else {}
                ),
            }
        )
        metrics_dir(self.env, workdir)
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['PORT']}"

    @property
    def sandbox(self) -> str:
        return f"http://127.0.0.1:{self.ports['SANDBOX_PORT']}"

    def start(self) -> None:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        redis = start_redis(self.ports["REDIS"], self.workdir / "redis", persistent=False)
        self.children.append(("redis", redis))
        if self.broker_url:  # a shared RabbitMQ: no earlier run's messages in our queues
            from adapters.task_queue import QUEUE, build_broker

            broker = build_broker(self.env["REDIS_URL"], self.broker_url)
            broker.declare_queue(QUEUE)
            broker.flush_all()
            broker.close()
        for name, starter in (
            ("sandbox", start_sandbox),
            ("api", start_api),
            ("worker", start_worker),
        ):
            with open(logs / f"{name}.log", "ab") as log:
                self.children.append((name, starter(self.env, stdout=log, stderr=log)))
        wait_for_port(self.ports["PORT"], self.children[2][1])

    def stop(self) -> None:
        shutdown(self.children)

    def processes(self, *names: str) -> list[psutil.Process]:
        """The named parts' processes, children included (gunicorn and Dramatiq fork)."""
        found = []
        for name, child in self.children:
            if name in names and child.poll() is None:
                parent = psutil.Process(child.pid)
                found += [parent, *parent.children(recursive=True)]
        return found

    def broker_processes(self) -> list[psutil.Process]:
        """The RabbitMQ server (Erlang's beam.smp) when the bench uses one: its CPU is ours."""
        if not self.broker_url:
            return []
        return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "beam.smp"]

    def pause_workers(self, paused: bool) -> None:
        """SIGSTOP/SIGCONT the Dramatiq processes: to measure tickets while they wait."""
        for process in self.processes("worker"):
            os.kill(process.pid, signal.SIGSTOP if paused else signal.SIGCONT)


def redis_used_memory(stack: BenchStack) -> int:
    import redis

    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    return int(client.info("memory")["used_memory"])


def audit_durations_ms(
    stack: BenchStack, since: float
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """From the audit stream, for queries finished after `since`: the workers' own time per
    query (begin to finish) by service, and each partner call's time (its batch window
    included) by partner: what the latency is made of, besides the queue."""
    import json

    import redis

    from adapters.redis.keys import audit_stream

    client = redis.Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    entries: Any = client.xrange(audit_stream(), min=f"{int(since * 1000)}-0")
    by_service: dict[str, list[float]] = {}
    by_partner: dict[str, list[float]] = {}
    for _, fields in entries:
        if "duration_ms" in fields:  # a query's end (admin calls and reports are audited too)
            by_service.setdefault(fields["service"], []).append(float(fields["duration_ms"]))
        for partner, ms in json.loads(fields.get("timings_ms") or "{}").items():
            by_partner.setdefault(partner, []).append(float(ms))
    return by_service, by_partner


__all__ = ["BenchStack", "audit_durations_ms", "redis_used_memory", "wait_for_port"]


def fifteen_minute_templates(workdir: Path) -> Path:
    """notices/sms_templates.yaml with its code templates saying 15 minutes instead of 5."""
    path = workdir / "sms_templates.yaml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATES_FILE.read_text(encoding="utf-8").replace("5分钟", "15分钟"), "utf-8")
    return path
