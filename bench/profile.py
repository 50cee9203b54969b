"""py-spy profiles of the API and the workers while the bench runs (`python -m bench --profile`).

One py-spy per process (gunicorn's and Dramatiq's workers), sampling without pausing the
process, and only the thread holding the GIL (`--gil`): a sample is a moment of Python CPU, not
a thread waiting on a socket. The raw collapsed stacks are kept
(for flame graph tools), and a summary says where the CPU went: the heaviest frames of our own
code and of each library, inclusive, as a share of the role's samples.
"""

from __future__ import annotations

import collections
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bench.stack import BenchStack

RATE_HZ = 200
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
OURS = ("app", "adapters", "miniprogram_api", "notices", "sandbox", "wsgi.py")


class Profiles:
    def __init__(self, stack: BenchStack, out: Path) -> None:
        self.stack, self.out = stack, out
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self) -> None:
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
        self.out.mkdir(parents=True, exist_ok=True)
        for role in ("api", "worker"):
            for process in self.stack.processes(role):
                if process.pid == self._parent_pid(role):
                    continue  # gunicorn's arbiter and Dramatiq's parent only supervise
                raw = self.out / f"{role}-{process.pid}.txt"
                command = [spy, "record", "--pid", str(process.pid), "--rate", str(RATE_HZ)]
                command += ["--format", "raw", "--gil", "--nonblocking", "--output", str(raw)]
                log = open(self.out / f"{role}-{process.pid}.log", "wb")  # noqa: SIM115
                self.running.append((role, subprocess.Popen(command, stdout=log, stderr=log)))

    def stop(self) -> str:
        for _, spy in self.running:
            spy.send_signal(signal.SIGINT)
        for _, spy in self.running:
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.kill()
        summary = "\n\n".join(summarize(role, sorted(self.out.glob(f"{role}-*.txt"))) for role in
                              ("api", "worker"))  # fmt: skip
        (self.out / "summary.txt").write_text(summary + "\n", encoding="utf-8")
        return summary

    def _parent_pid(self, role: str) -> int:
        return next(child.pid for name, child in self.stack.children if name == role)


def owner(file: str) -> str:
    """Who a frame's file belongs to: "ours", or the top-level package or module. py-spy names
    files relative to their sys.path entry (redis/connection.py, threading.py)."""
    top = file.split("/", 1)[0]
    return "ours" if top in OURS else top.removesuffix(".py")


def summarize(role: str, files: list[Path], top: int = 25) -> str:
    """The role's samples: by owner of the leaf frame (self time), and its heaviest frames."""
    total, by_owner = 0, collections.Counter[str]()
    inclusive, own_self = collections.Counter[str](), collections.Counter[str]()
    for path in files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count, frames = int(count_text), stack.split(";")
            total += count
            parsed = [FRAME.match(frame) for frame in frames]
            leaf = parsed[-1]
            by_owner[owner(leaf.group("file")) if leaf else "?"] += count
            if leaf:
                own_self[f"{leaf.group('function')} ({leaf.group('file')})"] += count
            seen = set()
            for match in parsed:
                if match:
                    name = f"{match.group('function')} ({match.group('file')})"
                    if name not in seen:
                        seen.add(name)
                        inclusive[name] += count
    if not total:
        return f"== {role}: no samples"
    lines = [f"== {role}: {total} samples at {RATE_HZ} Hz ({total / RATE_HZ:.1f} CPU-seconds)"]
    lines.append("-- self time by owner of the running frame")
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in by_owner.most_common(15)]
    lines.append("-- self time, heaviest frames")
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in own_self.most_common(top)]
    lines.append("-- inclusive time, heaviest frames")
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)
