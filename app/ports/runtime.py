"""What the use cases run on: sealing, the clock, the task queue, metrics."""

from __future__ import annotations

from typing import Protocol

# The worker's tasks besides run_query, by name (app/worker/tasks.py)
FORWARD_REPORT = "forward_report"
REPORT_SMS = "report_sms"


class Unsealable(ValueError):
    """Sealed bytes that cannot be opened: forged, moved to another context, or sealed under a
    key that is gone (a form's epoch key is forgotten once the form has expired)."""


class Sealer(Protocol):
    """Authenticated encryption; `context` is bound in, so sealed bytes open only where they
    were sealed for (a ticket's form, a session token of one front end...)."""

    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...

    def open(self, sealed: bytes, context: bytes) -> bytes:
        """Raises Unsealable."""
        ...


class Clock(Protocol):
    def now(self) -> float: ...

    def monotonic(self) -> float:
        """For durations: never goes back."""
        ...


class TaskQueue(Protocol):
    def enqueue_run_query(self, ticket_id: str) -> None: ...

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        """Run the ticket's task again after delay_s, as retry `attempt` of its result SMS;
        `token` tells that message apart from any copy of another."""
        ...

    def depth(self) -> tuple[int, int]:
        """(waiting, in flight) queries, for the metrics."""
        ...

    def enqueue_task(
        self, task: str, key: str, attempt: int = 0, token: str = "", delay_s: float = 0.0
    ) -> None:
        """Queue another task of the worker (FORWARD_REPORT, REPORT_SMS) for `key`, after
        delay_s; attempt and token as for schedule_run_query."""
        ...


class Metrics(Protocol):
    """What the use cases count. The adapter exports it (Prometheus); the default counts nothing."""

    def partner_call(self, partner: str, seconds: float, ok: bool) -> None: ...

    def query_finished(self, service: str, outcome: str, status: str) -> None: ...


class NoMetrics:
    def partner_call(self, partner: str, seconds: float, ok: bool) -> None:
        return None

    def query_finished(self, service: str, outcome: str, status: str) -> None:
        return None
