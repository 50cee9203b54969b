"""CPU seconds and peak RSS of the stack's processes, sampled in a background thread."""

from __future__ import annotations

import threading

import psutil

from bench.stack import BenchStack

OURS = ("redis", "api", "worker", "broker")


class Sampler:
    def __init__(self, stack: BenchStack, every_s: float = 0.5) -> None:
        self.stack, self.every_s = stack, every_s
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, _ in self.stack.children:
                for process in self.stack.processes(name):
                    try:
                        rss = process.memory_info().rss / 2**20
                    except psutil.Error:
                        continue
                    key = f"{name}:{process.pid}"
                    self.peaks[key] = max(self.peaks.get(key, 0.0), rss)
            self._stop.wait(self.every_s)

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU of our processes (API, workers, Redis), each part, and the sandbox."""
        parts = {name: self._cpu(name) for name in (*OURS, "sandbox")}
        return {"ours": sum(parts[name] for name in OURS), **parts}

    def _cpu(self, *names: str) -> float:
        total = 0.0
        processes = self.stack.processes(*names)
        if "broker" in names:
            processes += self.stack.broker_processes()
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def peak_rss_mb(self) -> dict[str, float]:
        return {key: round(value, 1) for key, value in sorted(self.peaks.items())}
