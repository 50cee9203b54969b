"""Use case (worker): ask the partners, decide the outcome, send exactly one SMS, record the end."""

from __future__ import annotations

import asyncio
import json
import logging
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
from app.ports import (
    Begun,
    Breaker,
    PartnerRejected,
    PartnerUnavailable,
    Ticket,
    Unsealable,
    breaker_changes,
)
from app.services.context import Context
from app.services.delivery import Delivery, Run, deliver, notify, unseal
from notices.sms import outcome_message

log = logging.getLogger(__name__)
FINAL_STATUSES = ("delivered", "failed")
T = TypeVar("T")


async def run_query(ctx: Context, ticket_id: str, run: Run | None = None) -> str | None:
    """Run one ticket to its end; safe to run again for the same ticket (redelivery).

    "delivered" or "failed" once the end is recorded, "processing" while a throttled result
    SMS waits for its retry, None when there was nothing (more) for this message to do.
    """
    run = run or Run()
    begun = ctx.store.begin(ticket_id, ctx.clock.now())
    ticket = begun.ticket
    if ticket is None or ticket.status in FINAL_STATUSES:
        return None
    started = time.monotonic()
    try:
        if begun.pending_sms is not None:  # a retry: the result was computed before
            job: Delivery | None = unseal(ctx, ticket_id, begun.pending_sms)
        elif begun.sealed_form is not None:
            job = await compute(ctx, ticket, begun)
        else:  # the form outlived its TTL
            job = None
    except Unsealable:  # its epoch key is gone (a key store restart), or it was tampered with
        log.warning("sealed form cannot be opened", extra={"ticket": ticket_id})
        job = None
    if job is None:  # nothing can be computed or sent
        ctx.store.finish(ticket, "failed", ctx.clock.now(), give_back=True, audit=_audit(ticket))
        return "failed"
    status = await deliver(ctx, ticket, job, run)
    if status is None or status == "waiting":
        return "processing" if status else None
    return await conclude(ctx, ticket, job, status, run, started)


async def compute(ctx: Context, ticket: Ticket, begun: Begun) -> Delivery:
    """Ask the partners and decide the outcome: the result SMS and what the audit keeps."""
    assert begun.sealed_form is not None
    data = json.loads(ctx.form_sealer.open(begun.sealed_form, ticket.id.encode()))
    recipient = str(data.pop("notify_to", ""))  # sealed with the form, only when notify is on
    form = QueryForm(**{**data, "service": Service(data["service"])})
    started = time.monotonic()
    deadline = started + ctx.settings.query_deadline_s
    outcome, timings = await evaluate(ctx, form, deadline, begun.breakers)
    message = outcome_message(outcome)
    return Delivery(
        phone=form.phone,
        template=message.template,
        params=message.params,
        outcome=str(outcome.kind),
        uses_quota=outcome.kind.uses_quota,
        timings=timings,
        duration_ms=int((time.monotonic() - started) * 1000),
        recipient=recipient,
    )


async def conclude(
    ctx: Context, ticket: Ticket, job: Delivery, status: str, run: Run, started: float
) -> str:
    """The notice, then the end in one round trip: status, purge, quota, audit, marker."""
    notice = await notify(ctx, ticket, status, job.recipient)
    give_back = status == "failed" or not job.uses_quota
    duration_ms = job.duration_ms + int((time.monotonic() - started) * 1000)
    audit = _audit(ticket, job.outcome, job.timings, duration_ms)
    audit["notice"] = notice  # the count of notice failures, by reason, is read from here
    audit["sms_retries"] = str(run.attempt)  # retries after a throttle
    sms_mark = "sent" if status == "delivered" else "failed"
    ctx.store.finish(ticket, status, ctx.clock.now(), give_back, audit, sms_mark)
    ctx.metrics.query_finished(ticket.service, job.outcome, status)
    log.info(
        "query finished",
        extra={
            "ticket": ticket.id,
            "outcome": job.outcome,
            "status": status,
            "quota_given_back": give_back,
            "notice": notice,
            "sms_retries": run.attempt,
        },
    )
    return status


async def evaluate(
    ctx: Context, form: QueryForm, deadline: float, breakers: Mapping[str, Breaker]
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
            breakers,
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
        breakers,
    )
    ownership = decide_ownership(owners)
    if ownership is not Ownership.CONFIRMED:
        return Outcome(form.service, OWNERSHIP_STOPS[ownership]), timings
    counts = await gather_answers(
        ctx,
        {c.id: partial(platforms.count_accounts, c, form.phone) for c in registry.companies},
        deadline,
        timings,
        breakers,
    )
    return decide_accounts(registry, counts), timings


async def gather_answers(
    ctx: Context,
    calls: Mapping[str, Callable[[], Awaitable[T]]],
    deadline: float,
    timings: dict[str, int],
    breakers: Mapping[str, Breaker],
) -> dict[str, T | None]:
    """Ask all partners at once; one that fails, misses the deadline or is shed answers None.

    A partner whose circuit breaker (as read when the query began) is open is not called at
    all; in half-open, one query at a time probes it. The calls that change a breaker are
    written back: the breakers are shared by all workers through Redis.
    """
    closed = Breaker()
    allowed = {
        partner
        for partner in calls
        if (state := breakers.get(partner, closed).state) == "closed"
        or (state == "half_open" and ctx.store.claim_probe(partner))
    }

    async def one(partner: str, call: Callable[[], Awaitable[T]]) -> T | None:
        if partner not in allowed:
            timings[partner] = 0
            return None
        start, ok = time.monotonic(), False
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
            elapsed = time.monotonic() - start
            timings[partner] = int(elapsed * 1000)
            ctx.metrics.partner_call(partner, elapsed, ok)

    results = dict(
        zip(calls, await asyncio.gather(*(one(p, c) for p, c in calls.items())), strict=True)
    )
    if skipped := set(calls) - allowed:
        log.info("partners skipped by open breakers", extra={"partners": ",".join(sorted(skipped))})
    outcomes = {p: results[p] is not None for p in allowed}
    if changes := breaker_changes(outcomes, breakers):
        ctx.store.record_calls(changes, ctx.clock.now())
    return results


def _audit(
    ticket: Ticket,
    outcome: str = "none",
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
        "outcome": outcome,
        "timings_ms": json.dumps(dict(timings or {}), sort_keys=True),
        "duration_ms": str(duration_ms),
    }
