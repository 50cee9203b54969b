"""Partner micro-batching: the queries in flight for one partner and one operation, coalesced
over a short window (or until the partner's batch size is reached) into one signed request.

A query's life stays its own: it waits for its own answer (matched by `ref`), its caller's
deadline cancels only it, a failed batch fails or retries each of its queries on that query's
own attempts, and the caller (app/services/fan_out.py) records its outcome for the breaker as
for a single call.

The window costs latency, so a lane waits only when company is likely: a query that arrives
within one window of the previous one waits up to the window for others; one that arrives
after a quiet window goes out at once, by itself, through the single endpoint, as no batch
would have formed. Under load nearly every query waits and batches grow; at a trickle nearly
none pays the window. `make bench` shows both (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.ports.partners import PartnerRejected, PartnerUnavailable

Item = dict[str, Any]
# One batch request: the items (each with its "ref") -> the answers by ref. It raises
# PartnerRejected (the partner refused the whole request) or PartnerUnavailable.
SendBatch = Callable[[list[Item]], Awaitable[dict[str, Item]]]
# One query alone, with its own retries: its answer, or PartnerRejected / PartnerUnavailable.
SendOne = Callable[[Item], Awaitable[Item]]
RETRY_BASE_S = 0.05  # full-jitter backoff of a query's retry: up to 0.1 s, then 0.2 s, ...


@dataclass(eq=False)
class Waiting:
    item: Item
    future: asyncio.Future[Item]
    attempt: int = 0  # attempts made so far
    enqueued_at: float = 0.0


class Lane:
    """One partner's one operation, in one event loop."""

    def __init__(
        self,
        send: SendBatch,
        size: int,
        window_s: float,
        attempts: int,
        single: SendOne | None = None,
        on_batch: Callable[[int, float], None] | None = None,
    ) -> None:
        self._send, self._size, self._window = send, size, window_s
        self._single = single  # None: every query goes through a batch, even alone
        self._attempts = attempts
        self._on_batch = on_batch  # (queries, the oldest one's wait): for the metrics
        self._waiting: list[Waiting] = []
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()  # strong references to the sends
        self._last_arrival: float | None = None  # none yet: the first query waits

    async def ask(self, item: Item) -> Item:
        """This query's answer object (without its ref), or its own failure."""
        loop = asyncio.get_running_loop()
        if not self._dense(loop.time()) and not self._waiting and self._single is not None:
            return await self._single(item)  # sparse: no one to wait for
        waiting = Waiting(item, loop.create_future())
        self._enqueue(waiting)
        return await waiting.future  # a cancelled wait leaves the others untouched

    def _dense(self, now: float) -> bool:
        """Did the previous query arrive within one window of this one?"""
        previous, self._last_arrival = self._last_arrival, now
        return previous is None or now - previous < self._window

    def _enqueue(self, waiting: Waiting) -> None:
        if waiting.future.done():  # its caller stopped waiting (deadline) during a backoff
            return
        loop = asyncio.get_running_loop()
        waiting.enqueued_at = loop.time()
        self._waiting.append(waiting)
        if len(self._waiting) >= self._size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._window, self._flush)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch = [w for w in self._waiting[: self._size] if not w.future.done()]
            self._waiting = self._waiting[self._size :]
            if batch:
                task = loop.create_task(self._deliver(batch))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _deliver(self, batch: list[Waiting]) -> None:
        refs = {format(i, "x"): waiting for i, waiting in enumerate(batch)}
        if self._on_batch is not None:
            now = asyncio.get_running_loop().time()
            self._on_batch(len(batch), now - min(w.enqueued_at for w in batch))
        try:
            answers = await self._send([{"ref": ref, **w.item} for ref, w in refs.items()])
        except PartnerRejected as exc:
            for waiting in batch:
                _fail(waiting, PartnerRejected(str(exc)))
            return
        except PartnerUnavailable as exc:
            for waiting in batch:
                self._retry_or_fail(waiting, str(exc))
            return
        for ref, waiting in refs.items():
            answer = answers.get(ref)
            if answer is None:
                self._retry_or_fail(waiting, "no answer for this query in the batch")
            elif "error" in answer:
                if answer["error"] == "unavailable":
                    self._retry_or_fail(waiting, "unavailable for this query")
                else:  # the partner refuses this query (bad_request): not retried
                    _fail(waiting, PartnerRejected(f"refused: {answer['error']}"))
            elif not waiting.future.done():
                waiting.future.set_result({k: v for k, v in answer.items() if k != "ref"})

    def _retry_or_fail(self, waiting: Waiting, reason: str) -> None:
        """Another attempt in a later batch, after a jittered backoff, while it has any."""
        waiting.attempt += 1
        if waiting.attempt >= self._attempts:
            _fail(waiting, PartnerUnavailable(reason))
            return
        backoff = random.uniform(0, RETRY_BASE_S * 2**waiting.attempt)
        asyncio.get_running_loop().call_later(backoff, self._enqueue, waiting)


def _fail(waiting: Waiting, error: Exception) -> None:
    if not waiting.future.done():
        waiting.future.set_exception(error)
