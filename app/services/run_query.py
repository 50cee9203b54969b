"""Use case (worker): ask the partners, decide the outcome, send exactly one SMS, record the end."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TypeVar

from app.domain.forms import QueryForm, Service
from app.domain.outcomes import (
    OWNERSHIP_STOPS,
    Outcome,
    Ownership,
    decide_accounts,
    decide_ownership,
    decide_phone_cards,
)
from app.ports import PartnerRejected, PartnerUnavailable, SmsError, Ticket
from app.services.context import Context
from notices.sms import Message, outcome_message

log = logging.getLogger(__name__)
FINAL_STATUSES = ("delivered", "failed")
SMS_ATTEMPTS = 4
T = TypeVar("T")


async def run_query(ctx: Context, ticket_id: str) -> str | None:
    """Run one ticket to its end; safe to run again for the same ticket (redelivery)."""
    ticket = ctx.store.get_ticket(ticket_id)
    if ticket is None or ticket.status in FINAL_STATUSES:
        return None
    sealed = ctx.store.load_form(ticket_id)
    if sealed is None:  # the form outlived its TTL: nothing can be computed or sent
        ctx.store.finish(ticket, "failed", ctx.clock.now(), give_back=True, audit=_audit(ticket))
        return "failed"
    data = json.loads(ctx.sealer.open(sealed, ticket_id.encode()))
    form = QueryForm(**{**data, "service": Service(data["service"])})
    ctx.store.set_status(ticket_id, "processing", ctx.clock.now())
    started = time.monotonic()
    outcome, timings = await evaluate(ctx, form, started + ctx.settings.query_deadline_s)
    status = await deliver(ctx, ticket, form.phone, outcome_message(outcome))
    give_back = status == "failed" or not outcome.kind.uses_quota
    audit = _audit(ticket, outcome, timings, int((time.monotonic() - started) * 1000))
    ctx.store.finish(ticket, status, ctx.clock.now(), give_back=give_back, audit=audit)
    log.info(
        "query finished",
        extra={
            "ticket": ticket_id,
            "outcome": outcome.kind,
            "status": status,
            "quota_given_back": give_back,
        },
    )
    return status


async def evaluate(
    ctx: Context, form: QueryForm, deadline: float
) -> tuple[Outcome, dict[str, int]]:
    operators, platforms = ctx.operators, ctx.platforms
    assert operators is not None and platforms is not None
    registry, timings = ctx.registry, dict[str, int]()
    if form.service is Service.PHONE_CARDS:
        cards = await gather_answers(
            ctx,
            {o.id: partial(operators.query_cards, o, form) for o in registry.operators},
            deadline,
            timings,
        )
        return decide_phone_cards(registry, cards), timings
    owners = await gather_answers(
        ctx,
        {
            o.id: partial(operators.verify_owner, o, form.phone, form.id_last6)
            for o in registry.operators
        },
        deadline,
        timings,
    )
    ownership = decide_ownership(owners)
    if ownership is not Ownership.CONFIRMED:
        return Outcome(form.service, OWNERSHIP_STOPS[ownership]), timings
    counts = await gather_answers(
        ctx,
        {c.id: partial(platforms.count_accounts, c, form.phone) for c in registry.companies},
        deadline,
        timings,
    )
    return decide_accounts(registry, counts), timings


async def gather_answers(
    ctx: Context,
    calls: Mapping[str, Callable[[], Awaitable[T]]],
    deadline: float,
    timings: dict[str, int],
) -> dict[str, T | None]:
    """Ask all partners at once; one that fails, misses the deadline or is shed answers None.

    A partner whose circuit breaker is open is not called at all; in half-open, one query at a
    time probes it. Every call's result feeds the breaker, shared by all workers through Redis.
    """
    states = ctx.store.breaker_states(list(calls), ctx.clock.now())
    allowed = {
        partner
        for partner, state in states.items()
        if state == "closed" or (state == "half_open" and ctx.store.claim_probe(partner))
    }

    async def one(partner: str, call: Callable[[], Awaitable[T]]) -> T | None:
        if partner not in allowed:
            timings[partner] = 0
            return None
        start = time.monotonic()
        try:
            return await asyncio.wait_for(call(), max(0.0, deadline - start))
        except (PartnerUnavailable, PartnerRejected, TimeoutError) as exc:
            log.warning(
                "partner gave no answer", extra={"partner": partner, "error": type(exc).__name__}
            )
            return None
        finally:
            timings[partner] = int((time.monotonic() - start) * 1000)

    results = dict(
        zip(calls, await asyncio.gather(*(one(p, c) for p, c in calls.items())), strict=True)
    )
    if skipped := set(calls) - allowed:
        log.info("partners skipped by open breakers", extra={"partners": ",".join(sorted(skipped))})
    ctx.store.record_calls({p: results[p] is not None for p in allowed}, ctx.clock.now())
    return results


async def deliver(ctx: Context, ticket: Ticket, phone: str, message: Message) -> str:
    """Send the result SMS exactly once per ticket; "delivered" once the gateway took it."""
    first_claim = ctx.store.claim_sms(ticket.id)
    if not first_claim and not getattr(ctx.sms, "idempotent", False):
        # An earlier delivery may have sent it, and this gateway cannot dedupe: don't risk two.
        return "delivered"
    for attempt in range(SMS_ATTEMPTS):
        try:
            # The ticket id is the gateway's idempotency key: a redelivered task sends nothing new.
            await asyncio.to_thread(
                ctx.sms.send, phone, message.template, message.params, ticket.id
            )
            return "delivered"
        except SmsError as exc:
            log.warning(
                "result SMS not taken",
                extra={"ticket": ticket.id, "attempt": attempt, "error": type(exc).__name__},
            )
            await asyncio.sleep(min(8.0, 0.5 * 2**attempt) * random.uniform(0.5, 1.0))
    return "failed"


def _audit(
    ticket: Ticket,
    outcome: Outcome | None = None,
    timings: Mapping[str, int] | None = None,
    duration_ms: int = 0,
) -> dict[str, str]:
    """Hashed identifiers, the outcome class and timings: never a count or a clear identifier."""
    return {
        "ticket": ticket.id,
        "service": ticket.service,
        "user_h": ticket.owner_h,
        "phone_h": ticket.quota.get("phone_h", ""),
        "id_h": ticket.quota.get("id_h", ""),
        "outcome": str(outcome.kind) if outcome else "none",
        "timings_ms": json.dumps(dict(timings or {}), sort_keys=True),
        "duration_ms": str(duration_ms),
    }
