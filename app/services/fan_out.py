"""Asking the partners: every operator (and for 互联网账号 every company) at once, each behind its
circuit breaker, all within the query's deadline; then the outcome (app/domain/outcomes.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from app.domain.breakers import CLEAN, Admission, BreakerPolicy, BreakerRecord, worth_writing
from app.domain.forms import QueryForm, Service
from app.domain.outcomes import (
    OWNERSHIP_STOPS,
    Outcome,
    Ownership,
    decide_accounts,
    decide_ownership,
    decide_phone_cards,
)
from app.domain.providers import Registry
from app.ports.partners import Operators, PartnerRejected, PartnerUnavailable, Platforms
from app.ports.runtime import Clock, Metrics
from app.ports.state import Breakers

log = logging.getLogger(__name__)
T = TypeVar("T")
Timings = dict[str, int]


@dataclass(frozen=True)
class FanOut:
    operators: Operators
    platforms: Platforms
    registry: Registry
    breakers: Breakers
    policy: BreakerPolicy
    clock: Clock
    metrics: Metrics
    deadline_s: float  # QUERY_DEADLINE_S: a partner still silent then counts as unavailable

    async def evaluate(self, form: QueryForm) -> tuple[Outcome, Timings]:
        deadline = self.clock.monotonic() + self.deadline_s
        registry, timings = self.registry, Timings()
        if form.service is Service.PHONE_CARDS:
            cards = await self.gather(
                {o.id: partial(self.operators.query_cards, o, form) for o in registry.operators},
                deadline,
                timings,
            )
            return decide_phone_cards(registry, cards), timings
        owners = await self.gather(
            {
                o.id: partial(self.operators.verify_owner, o, form.phone, form.id_last6)
                for o in registry.operators
            },
            deadline,
            timings,
        )
        ownership = decide_ownership(owners)
        if ownership is not Ownership.CONFIRMED:
            return Outcome(form.service, OWNERSHIP_STOPS[ownership]), timings
        counts = await self.gather(
            {
                c.id: partial(self.platforms.count_accounts, c, form.phone)
                for c in registry.companies
            },
            deadline,
            timings,
        )
        return decide_accounts(registry, counts), timings

    async def gather(
        self, calls: Mapping[str, Callable[[], Awaitable[T]]], deadline: float, timings: Timings
    ) -> dict[str, T | None]:
        """Ask all at once; a partner that fails, misses the deadline or is shed answers None.

        An open breaker sheds its partner; a half-open one lets one query at a time probe it.
        The calls that change a breaker are written back, for every worker to see.
        """
        records = self.breakers.records()
        allowed = {partner for partner in calls if self._admits(partner, records)}
        answers = await asyncio.gather(
            *(self._call(p, c, deadline, timings) if p in allowed else _shed(p, timings)
              for p, c in calls.items())
        )  # fmt: skip
        results = dict(zip(calls, answers, strict=True))
        if skipped := set(calls) - allowed:
            log.info(
                "partners shed by open breakers", extra={"partners": ",".join(sorted(skipped))}
            )
        outcomes = {p: results[p] is not None for p in allowed}
        if changes := worth_writing(outcomes, records):
            self.breakers.record(changes, self.clock.now())
        return results

    def _admits(self, partner: str, records: Mapping[str, BreakerRecord]) -> bool:
        admission = self.policy.admission(records.get(partner, CLEAN), self.clock.now())
        if admission is Admission.PROBE:
            return self.breakers.claim_probe(partner)
        return admission is Admission.CALL

    async def _call(
        self, partner: str, call: Callable[[], Awaitable[T]], deadline: float, timings: Timings
    ) -> T | None:
        start, ok = self.clock.monotonic(), False
        try:
            # asyncio.timeout, not wait_for: no extra task per partner call
            async with asyncio.timeout(max(0.0, deadline - start)):
                answer = await call()
            ok = True
            return answer
        except (PartnerUnavailable, PartnerRejected, TimeoutError) as exc:
            log.warning(
                "partner gave no answer", extra={"partner": partner, "error": type(exc).__name__}
            )
            return None
        finally:
            elapsed = self.clock.monotonic() - start
            timings[partner] = int(elapsed * 1000)
            self.metrics.partner_call(partner, elapsed, ok)


async def _shed(partner: str, timings: Timings) -> None:
    timings[partner] = 0
