"""The result SMS, exactly once per ticket, retried while the gateway throttles; then the
platform notice (docs/notices-and-gateways.md, "The delivery policy").

A marker (the DeliveryMarks port), taken before the first send, records how far the delivery
got:
- "sending" (the task's first message) or "sending:<token>" (a scheduled retry): a send is under
  way, or its worker died in the middle of it;
- "waiting:<n>": the gateway throttled the number; retry n is scheduled in the task queue, and
  the message waits sealed in the store;
- "sent" or "failed": the last word, written with the ticket's end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
from dataclasses import asdict, dataclass, field, replace

from app.domain.delivery import retry_delay
from app.domain.tickets import Ticket, TicketStatus
from app.ports.messages import (
    NoticeError,
    PlatformNotifier,
    SmsError,
    SmsGateway,
    SmsThrottled,
    SmsUncertain,
)
from app.ports.runtime import Clock, Sealer, TaskQueue
from app.ports.state import DeliveryMarks
from notices.platform import build_notice
from notices.sms import Message

log = logging.getLogger(__name__)
SMS_ATTEMPTS = 4  # quick attempts within one run, for errors other than a throttle
WAITING = "waiting:"
KEEP_AFTER_WINDOW_S = 600  # the waiting message outlives the last retry's due time by this


@dataclass(frozen=True)
class Run:
    """Which message of the task queue runs: the first (attempt 0), or scheduled retry n with
    its token. A redelivered message keeps both; a copy made to recover has another token."""

    attempt: int = 0
    token: str = ""

    @property
    def mark(self) -> str:
        return f"sending:{self.token}" if self.attempt else "sending"


@dataclass(frozen=True)
class Delivery:
    """What the result SMS needs, computed once: sealed while it waits for a retry."""

    phone: str
    template: str
    params: dict[str, str]
    outcome: str
    uses_quota: bool
    timings: dict[str, int] = field(default_factory=dict)
    duration_ms: int = 0
    recipient: str = ""  # the platform notice's, only when the user asked for one
    throttled_since: float = 0.0  # when the gateway first throttled it; 0: not yet
    references: dict[str, str] = field(default_factory=dict)  # the operators', for a report

    @property
    def message(self) -> Message:
        return Message(self.template, dict(self.params))


@dataclass(frozen=True)
class ResultSms:
    marks: DeliveryMarks
    sms: SmsGateway
    queue: TaskQueue  # schedules a throttled SMS's retries
    sealer: Sealer  # the SMS waits sealed, as the form did
    clock: Clock
    retry_window_s: int  # SMS_RETRY_WINDOW_S
    retry_task: str = ""  # "": retries run the ticket's run_query; else this task (reports)

    def seal(self, ticket_id: str, delivery: Delivery) -> bytes:
        plain = json.dumps(asdict(delivery), ensure_ascii=False).encode()
        return self.sealer.seal(plain, _context(ticket_id))

    def unseal(self, ticket_id: str, sealed: bytes) -> Delivery:
        return Delivery(**json.loads(self.sealer.open(sealed, _context(ticket_id))))

    async def deliver(self, ticket: Ticket, delivery: Delivery, run: Run) -> str | None:
        """ "delivered" once the gateway took it, "failed", "waiting" (a retry is scheduled),
        or None: another message of this ticket holds the delivery, so this one stops here."""
        return await self.deliver_to(ticket.id, delivery, run)

    async def deliver_to(self, delivery_id: str, delivery: Delivery, run: Run) -> str | None:
        """deliver, for any one SMS named by its id: a ticket's result, or a report's message
        (its id starts with the report's, so its marks live in the ticket's slot)."""
        decision = self._hold(delivery_id, run)
        if decision != "send":
            return decision
        outcome = await self._send_with_retries(delivery_id, delivery)
        if isinstance(outcome, SmsThrottled):
            return self._wait(delivery_id, delivery, run, outcome)
        if outcome == "failed":  # now: a crash before finish must not read as "maybe sent"
            self.marks.set_sms_mark(delivery_id, "failed")
        # "sent" is written by finish, in its round trip: a crash before it leaves "sending",
        # which a redelivery reads as "maybe sent", as it should.
        return outcome

    def _hold(self, ticket_id: str, run: Run) -> str | None:
        """ "send" when this run may send now; else what the run reports instead."""
        marks = self.marks
        if run.attempt == 0 and marks.claim_sms(ticket_id):
            return "send"
        mark = marks.sms_mark(ticket_id)
        if mark == "sent":
            return "delivered"
        if mark in ("failed", f"{WAITING}{run.attempt}"):  # nothing went out: one copy goes on
            return "send" if marks.swap_sms_mark(ticket_id, mark, run.mark) else None
        if mark == f"{WAITING}{run.attempt + 1}":
            # this run parked the SMS and may have died before scheduling the retry: schedule
            # it again (of two copies, the marker lets one through)
            self._schedule(ticket_id, run.attempt + 1, 1.0)
            return None
        if mark == run.mark:  # this very message died in the middle of a send
            # a deduping gateway gets the same request again; any other may have sent it
            return "send" if self.sms.idempotent else "delivered"
        return None  # another message holds the delivery

    async def _send_with_retries(self, delivery_id: str, delivery: Delivery) -> str | SmsThrottled:
        """Up to SMS_ATTEMPTS sends, with exponential backoff and jitter between them. A
        throttle ends them at once: seconds apart is no retry against a per-number limit."""
        message = delivery.message
        for attempt in range(SMS_ATTEMPTS):
            if attempt:
                await asyncio.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
            try:
                await self.sms.send_async(
                    delivery.phone, message.template, message.params, delivery_id
                )
                return "delivered"
            except SmsError as exc:
                uncertain = isinstance(exc, SmsUncertain)
                log.warning(
                    "result SMS not taken",
                    extra={
                        "ticket": delivery_id,
                        "attempt": attempt,
                        "error": type(exc).__name__,
                        "code": str(exc),
                        "uncertain": uncertain,
                    },
                )
                if isinstance(exc, SmsThrottled):
                    return exc
                if uncertain and not self.sms.idempotent:
                    return "delivered"  # it may have gone out, and a resend could not be deduped
        return "failed"

    def _wait(self, delivery_id: str, delivery: Delivery, run: Run, throttled: SmsThrottled) -> str:
        """Keep the SMS sealed and schedule the next try; "failed" once the window is over."""
        now = self.clock.now()
        since = delivery.throttled_since or now
        retry = run.attempt + 1
        delay = retry_delay(retry, since, now, self.retry_window_s)
        if delay is None:
            log.warning("result SMS throttled past the retry window", extra={"ticket": delivery_id})
            self.marks.set_sms_mark(delivery_id, "failed")
            return "failed"
        keep_s = int(since + self.retry_window_s - now) + KEEP_AFTER_WINDOW_S
        sealed = self.seal(delivery_id, replace(delivery, throttled_since=since))
        self.marks.park_sms(delivery_id, f"{WAITING}{retry}", sealed, keep_s)
        delay *= random.uniform(0.8, 1.0)  # retries of many tickets throttled at once spread out
        self._schedule(delivery_id, retry, delay)
        log.info(
            "result SMS throttled, retry scheduled",
            extra={
                "ticket": delivery_id,
                "retry": retry,
                "delay_s": round(delay, 1),
                "code": str(throttled),
            },
        )
        return "waiting"

    def _schedule(self, delivery_id: str, retry: int, delay_s: float) -> None:
        token = secrets.token_hex(8)
        if self.retry_task:
            self.queue.enqueue_task(self.retry_task, delivery_id, retry, token, delay_s)
        else:
            self.queue.schedule_run_query(delivery_id, retry, token, delay_s)


@dataclass(frozen=True)
class PlatformNotice:
    marks: DeliveryMarks
    notifier: PlatformNotifier | None  # None: no platform notices
    clock: Clock

    async def send(self, ticket: Ticket, status: TicketStatus, recipient: str) -> str:
        """At most once per ticket. Whatever the platform does, the query goes on: the result
        is returned for the audit event and logged (never the recipient)."""
        if not (ticket.notify and recipient and self.notifier is not None):
            return "none"
        if not self.marks.claim_notice(ticket.id):
            return "earlier"  # an earlier delivery of this task sent it, or tried to
        notice = build_notice(ticket, status, self.clock.now())
        extra = {"ticket": ticket.id, "platform": ticket.platform}
        try:
            sent = await asyncio.to_thread(self.notifier.send, ticket.platform, recipient, notice)
        except NoticeError as exc:
            log.warning("notice not sent", extra={**extra, "reason": exc.reason})
            return f"failed:{exc.reason}"
        except Exception:  # a bug in a notice channel must not undo the SMS
            log.exception("notice failed unexpectedly", extra=extra)
            return "failed:error"
        log.info("notice sent" if sent else "notice channel off", extra=extra)
        return "sent" if sent else "off"


def _context(ticket_id: str) -> bytes:
    return f"{ticket_id}/sms".encode()  # never opens as a sealed form, nor the reverse
