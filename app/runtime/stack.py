"""`make run`: the whole stack on one machine, in the foreground, until Ctrl-C or SIGTERM.

Starts an embedded Redis (unless REDIS_URL is set), the sandbox partners, the API under
gunicorn (gunicorn.conf.py) and the Dramatiq worker, all with sandbox defaults that the
environment can override. bench/ starts the same parts through these functions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.config import ROOT
from app.runtime.embedded_redis import start_redis, wait_for_port

VAR = Path(os.environ.get("VAR_DIR", str(ROOT / "var")))
BIN = Path(sys.executable).parent
Children = list[tuple[str, subprocess.Popen[bytes]]]


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("SANDBOX", "1")
    env.setdefault("PORT", "8000")
    env.setdefault("SANDBOX_PORT", "8001")
    env.setdefault("SANDBOX_KEYS_DIR", str(VAR / "sandbox-keys"))
    env.setdefault("TZ", "Asia/Shanghai")
    # Dramatiq's idle consumer polls Redis with a backoff capped by this (default 1,000 ms):
    # a query arriving at a quiet worker would wait up to a second. 100 ms caps the wait.
    env.setdefault("dramatiq_worker_timeout", "100")
    env["PYTHONPATH"] = str(ROOT)
    return env


def start(
    name: str, args: list[str], env: dict[str, str], **kwargs: object
) -> subprocess.Popen[bytes]:
    print(f"[stack] starting {name}: {' '.join(args)}", flush=True)
    process: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
        args, env=env, cwd=ROOT, start_new_session=True, **kwargs
    )
    return process


def start_sandbox(env: dict[str, str], **kwargs: object) -> subprocess.Popen[bytes]:
    from sandbox.keys import ensure_keys

    ensure_keys(Path(env["SANDBOX_KEYS_DIR"]))
    process = start("sandbox", [sys.executable, "-m", "sandbox"], env, **kwargs)
    wait_for_port(int(env["SANDBOX_PORT"]), process)
    return process


def start_api(env: dict[str, str], **kwargs: object) -> subprocess.Popen[bytes]:
    args = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
    return start("api", args, env, **kwargs)


def start_worker(env: dict[str, str], **kwargs: object) -> subprocess.Popen[bytes]:
    args = [
        str(BIN / "dramatiq"),
        "app.worker.tasks",
        "--processes",
        env.get("WORKER_PROCESSES", "1"),
        "--threads",
        env.get("WORKER_THREADS", "64"),
    ]
    return start("worker", args, env, **kwargs)


def metrics_dir(env: dict[str, str], root: Path) -> None:
    """One Prometheus multi-process directory for the API and workers of this host, emptied at
    start: files from an earlier run would count again."""
    directory = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(root / "prometheus")))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def main() -> int:
    env = child_env()
    metrics_dir(env, VAR)
    env.setdefault("GUNICORN_ACCESS_LOG", "-")
    env.setdefault("WEB_CONCURRENCY", "2")
    children: Children = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if not env.get("REDIS_URL"):
            port = int(env.get("EMBEDDED_REDIS_PORT", "6390"))
            print(f"[stack] embedded Redis on 127.0.0.1:{port}, data in {VAR / 'redis'}")
            redis = start_redis(
                port, VAR / "redis", persistent=True, log_file=VAR / "redis" / "redis.log"
            )
            children.append(("redis", redis))
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        if not env.get("KEYSTORE_REDIS_URL"):
            # The forms' epoch keys, in memory only: no AOF, no RDB (adapters/epoch_sealing.py)
            port = int(env.get("EMBEDDED_KEYSTORE_PORT", "6391"))
            print(f"[stack] memory-only key store (Redis) on 127.0.0.1:{port}")
            keystore = start_redis(port, VAR / "keystore", persistent=False)
            children.append(("keystore", keystore))
            env["KEYSTORE_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        children.append(("sandbox", start_sandbox(env)))
        children.append(("api", start_api(env)))
        children.append(("worker", start_worker(env)))
        wait_for_port(int(env["PORT"]), children[-2][1])
        print(
            f"[stack] ready: API http://127.0.0.1:{env['PORT']}  "
            f"sandbox http://127.0.0.1:{env['SANDBOX_PORT']}  (Ctrl-C stops)",
            flush=True,
        )
        return watch(children, lambda: stopping)
    finally:
        shutdown(children)


def watch(children: Children, stopping: Callable[[], bool]) -> int:
    while not stopping():
        for name, child in children:
            if child.poll() is not None:
                print(f"[stack] {name} exited with {child.returncode}; stopping", flush=True)
                return 1
        time.sleep(0.5)
    return 0


def shutdown(children: Children) -> None:
    """Stop in reverse order, each before the next: the worker finishes while Redis is still up."""
    for name, child in reversed(children):
        if child.poll() is None:
            print(f"[stack] stopping {name}", flush=True)
            child.terminate()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            print(f"[stack] {name} did not stop in 20 s; killing it", flush=True)
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
