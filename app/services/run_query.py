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
from app.ports import (
    Breaker,
    NoticeError,
    PartnerRejected,
    PartnerUnavailable,
    SmsError,
    SmsUncertain,
    Ticket,
    Unsealable,
    breaker_changes,
)
from app.services.context import Context
from notices.platform import build_notice
from notices.sms import Message, outcome_message

log = logging.getLogger(__name__)
FINAL_STATUSES = ("delivered", "failed")
SMS_ATTEMPTS = 4
T = TypeVar("T")


async def run_query(ctx: Context, ticket_id: str) -> str | None:
    """Run one ticket to its end; safe to run again for the same ticket (redelivery)."""
    begun = ctx.store.begin(ticket_id, ctx.clock.now())
    ticket, sealed = begun.ticket, begun.sealed_form
    if ticket is None or ticket.status in FINAL_STATUSES:
        return None
    try:
        # None: the form outlived its TTL. Unsealable: its epoch key is gone (a restart of the
        # key store) or it was tampered with. Either way nothing can be computed or sent.
        data = json.loads(ctx.form_sealer.open(sealed, ticket_id.encode())) if sealed else None
    except Unsealable:
        log.warning("sealed form cannot be opened", extra={"ticket": ticket_id})
        data = None
    if data is None:
        ctx.store.finish(ticket, "failed", ctx.clock.now(), give_back=True, audit=_audit(ticket))
        return "failed"
    recipient = str(data.pop("notify_to", ""))  # sealed with the form, only when notify is on
    form = QueryForm(**{**data, "service": Service(data["service"])})
    started = time.monotonic()
    deadline = started + ctx.settings.query_deadline_s
    outcome, timings = await evaluate(ctx, form, deadline, begun.breakers)
    status = await deliver(ctx, ticket, form.phone, outcome_message(outcome))
    notice = await notify(ctx, ticket, status, recipient)
    give_back = status == "failed" or not outcome.kind.uses_quota
    audit = _audit(ticket, outcome, timings, int((time.monotonic() - started) * 1000))
    audit["notice"] = notice  # the count of notice failures, by reason, is read from here
    sms_mark = "sent" if status == "delivered" else "failed"
    ctx.store.finish(ticket, status, ctx.clock.now(), give_back, audit, sms_mark)
    ctx.metrics.query_finished(ticket.service, str(outcome.kind), status)
    log.info(
        "query finished",
        extra={
            "ticket": ticket_id,
            "outcome": outcome.kind,
            "status": status,
            "quota_given_back": give_back,
            "notice": notice,
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


async def deliver(ctx: Context, ticket: Ticket, phone: str, message: Message) -> str:
    """Send the result SMS exactly once per ticket; "delivered" once the gateway took it.

    A Redis marker, taken before sending, records how far the delivery got. A task delivered
    again (a crash before the end was recorded) sends again only when that cannot make two:
    after a delivery that failed for certain, or through an idempotent gateway (the ticket id is
    its idempotency key). Otherwise it assumes the earlier delivery sent it: at most once.
    """
    idempotent = bool(getattr(ctx.sms, "idempotent", False))
    if not ctx.store.claim_sms(ticket.id):
        mark = ctx.store.sms_mark(ticket.id)
        if mark == "sent" or (mark != "failed" and not idempotent):
            return "delivered"
        ctx.store.set_sms_mark(ticket.id, "sending")
    status = await send_with_retries(ctx, ticket, phone, message, idempotent)
    if status == "failed":  # now: a crash before finish must not read as "maybe sent"
        ctx.store.set_sms_mark(ticket.id, "failed")
    # "sent" is written by finish, in its round trip: a crash before it leaves "sending",
    # which a redelivery reads as "maybe sent", as it should.
    return status


async def send_with_retries(
    ctx: Context, ticket: Ticket, phone: str, message: Message, idempotent: bool
) -> str:
    """Up to SMS_ATTEMPTS sends, with exponential backoff and jitter between them."""
    for attempt in range(SMS_ATTEMPTS):
        if attempt:
            await asyncio.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
        try:
            await send_sms(ctx, phone, message, ticket.id)
            return "delivered"
        except SmsError as exc:
            uncertain = isinstance(exc, SmsUncertain)
            log.warning(
                "result SMS not taken",
                extra={
                    "ticket": ticket.id,
                    "attempt": attempt,
                    "error": type(exc).__name__,
                    "uncertain": uncertain,
                },
            )
            if uncertain and not idempotent:
                return "delivered"  # it may have gone out, and a resend could not be deduped
    return "failed"


async def send_sms(ctx: Context, phone: str, message: Message, key: str) -> None:
    """On the event loop when the gateway adapter can (send_async), else in a thread: the
    cloud SDKs are synchronous."""
    send_async = getattr(ctx.sms, "send_async", None)
    if send_async is not None:
        await send_async(phone, message.template, message.params, key)
    else:
        await asyncio.to_thread(ctx.sms.send, phone, message.template, message.params, key)


async def notify(ctx: Context, ticket: Ticket, status: str, recipient: str) -> str:
    """The platform notice, at most once per ticket. Whatever the platform does, the query
    goes on: the result is returned for the audit event and logged (never the recipient)."""
    if not (ticket.notify and recipient and ctx.notifier is not None):
        return "none"
    if not ctx.store.claim_notice(ticket.id):
        return "earlier"  # an earlier delivery of this task sent it, or tried to
    notice = build_notice(ticket, status, ctx.clock.now())
    extra = {"ticket": ticket.id, "platform": ticket.platform}
    try:
        sent = await asyncio.to_thread(ctx.notifier.send, ticket.platform, recipient, notice)
    except NoticeError as exc:
        log.warning("notice not sent", extra={**extra, "reason": exc.reason})
        return f"failed:{exc.reason}"
    except Exception:  # a bug in a notice channel must not undo the SMS
        log.exception("notice failed unexpectedly", extra=extra)
        return "failed:error"
    log.info("notice sent" if sent else "notice channel off", extra=extra)
    return "sent" if sent else "off"


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
