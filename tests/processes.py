"""The test run's processes and their logs: where every process writes (test-artifacts/logs/,
which the privacy scan reads), a real Dramatiq worker, and how a process is stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.config import ROOT

ARTIFACTS = ROOT / "test-artifacts"
LOGS = ARTIFACTS / "logs"
# Where each log ended when this session began: logs are appended to across runs, and a scan
# for what this session's processes printed starts there (tests/privacy/test_deprecations.py).
LOG_OFFSETS: dict[str, int] = {}


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def start_worker(
    env: dict[str, str],
    log_name: str,
    processes: int = 1,
    threads: int = 8,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """A real Dramatiq worker (`dramatiq app.worker.tasks`), logging to test-artifacts/logs/."""
    with open(LOGS / log_name, "ab") as log:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dramatiq"),
                "app.worker.tasks",
                "--processes",
                str(processes),
                "--threads",
                str(threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=new_session,
        )
