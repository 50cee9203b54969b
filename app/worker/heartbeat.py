"""Tells /readyz that a worker is alive: the Liveness port, beaten every few seconds."""

from __future__ import annotations

import contextlib
import threading

import dramatiq
from dramatiq.middleware import Middleware

from app.ports.state import Liveness

HEARTBEAT_EVERY_S = 5


class Heartbeat(Middleware):
    def __init__(self, liveness: Liveness) -> None:
        self.liveness = liveness
        self.stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        threading.Thread(target=self._beat, name="yzt-heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stop.set()

    def _beat(self) -> None:
        while not self.stop.is_set():
            # Redis down: /readyz reports it by itself, nothing to do here
            with contextlib.suppress(Exception):
                self.liveness.beat()
            self.stop.wait(HEARTBEAT_EVERY_S)
