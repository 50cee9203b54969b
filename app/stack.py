"""`make run`: the whole stack on one machine, in the foreground, until Ctrl-C or SIGTERM.

Starts an embedded Redis (unless REDIS_URL is set), the sandbox partners, the API under
gunicorn and the Dramatiq worker, all with sandbox defaults that the environment can override.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.config import ROOT
from app.embedded_redis import start_redis, wait_for_port

VAR = Path(os.environ.get("VAR_DIR", str(ROOT / "var")))


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SANDBOX", "1")
    env.setdefault("PORT", "8000")
    env.setdefault("SANDBOX_PORT", "8001")
    env.setdefault("SANDBOX_KEYS_DIR", str(VAR / "sandbox-keys"))
    env.setdefault("TZ", "Asia/Shanghai")
    env["PYTHONPATH"] = str(ROOT)
    return env


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    print(f"[stack] starting {name}: {' '.join(args)}", flush=True)
    return subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True)


def main() -> int:
    env = child_env()
    bin_dir = Path(sys.executable).parent
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if not env.get("REDIS_URL"):
            port = int(env.get("EMBEDDED_REDIS_PORT", "6390"))
            print(f"[stack] embedded Redis on 127.0.0.1:{port}, data in var/redis", flush=True)
            children.append(
                (
                    "redis",
                    start_redis(
                        port, VAR / "redis", persistent=True, log_file=VAR / "redis" / "redis.log"
                    ),
                )
            )
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        from sandbox.keys import ensure_keys

        ensure_keys(Path(env["SANDBOX_KEYS_DIR"]))
        children.append(("sandbox", start("sandbox", [sys.executable, "-m", "sandbox"], env)))
        wait_for_port(int(env["SANDBOX_PORT"]), children[-1][1])
        children.append(
            (
                "api",
                start(
                    "api",
                    [
                        str(bin_dir / "gunicorn"),
                        "--bind",
                        f"127.0.0.1:{env['PORT']}",
                        "--workers",
                        env.get("WEB_CONCURRENCY", "2"),
                        "--access-logfile",
                        "-",
                        "--access-logformat",
                        '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
                        "wsgi:app",
                    ],
                    env,
                ),
            )
        )
        children.append(
            (
                "worker",
                start(
                    "worker",
                    [
                        str(bin_dir / "dramatiq"),
                        "app.tasks",
                        "--processes",
                        env.get("WORKER_PROCESSES", "1"),
                        "--threads",
                        env.get("WORKER_THREADS", "32"),
                    ],
                    env,
                ),
            )
        )
        wait_for_port(int(env["PORT"]), children[-2][1])
        print(
            f"[stack] ready: API http://127.0.0.1:{env['PORT']}  "
            f"sandbox http://127.0.0.1:{env['SANDBOX_PORT']}  (Ctrl-C stops)",
            flush=True,
        )
        while not stopping:
            for name, child in children:
                if child.poll() is not None:
                    print(f"[stack] {name} exited with {child.returncode}; stopping", flush=True)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        shutdown(children)


def shutdown(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
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
