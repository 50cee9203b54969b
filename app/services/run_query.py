"""Use case (worker): ask the partners, decide the outcome, send exactly one SMS, record the end.

Safe to run again for the same ticket: a task delivered twice, or after a crash, finds the
ticket final, or the delivery marks tell it how far the earlier run got.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.forms import QueryForm, Service
from app.domain.outcomes import OutcomeKind
from app.domain.quotas import USES_QUOTA, gives_back
from app.domain.tickets import ReportBasis, Ticket, TicketEnd, TicketStatus
from app.ports.runtime import Clock, Metrics, Sealer, Unsealable
from app.ports.state import QueryStart, Tickets
from app.services.delivery import Delivery, PlatformNotice, ResultSms, Run
from app.services.fan_out import FanOut
from notices.sms import outcome_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunQuery:
    tickets: Tickets
    forms: Sealer  # opens the form sealed at submit
    fan_out: FanOut
    result_sms: ResultSms
    notice: PlatformNotice
    clock: Clock
    metrics: Metrics
    report_phones: Sealer | None = None  # seals the phone kept for a report (7 days)

    async def __call__(self, ticket_id: str, run: Run | None = None) -> str | None:
        """ "delivered" or "failed" once the end is recorded, "processing" while a throttled
        result SMS waits for its retry, None when there was nothing (more) for this message."""
        run = run or Run()
        begun = self.tickets.begin(ticket_id, self.clock.now())
        ticket = begun.ticket
        if ticket is None or ticket.status.is_final:
            return None
        started = self.clock.monotonic()
        job = await self._job(ticket, begun)
        if job is None:  # nothing can be computed or sent
            end = TicketEnd(TicketStatus.FAILED, self.clock.now(), True, audit_event(ticket))
            self.tickets.finish(ticket, end)
            return str(TicketStatus.FAILED)
        status = await self.result_sms.deliver(ticket, job, run)
        if status is None or status == "waiting":
            return str(TicketStatus.PROCESSING) if status else None
        return await self._conclude(ticket, job, TicketStatus(status), run, started)

    async def _job(self, ticket: Ticket, begun: QueryStart) -> Delivery | None:
        """What the result SMS says: computed now, or parked by an earlier, throttled run."""
        try:
            if begun.pending_sms is not None:  # a retry: the result was computed before
                return self.result_sms.unseal(ticket.id, begun.pending_sms)
            if begun.sealed_form is not None:
                return await self._compute(ticket, begun.sealed_form)
        except Unsealable:  # its epoch key is gone (a key store restart), or it was tampered with
            log.warning("sealed form cannot be opened", extra={"ticket": ticket.id})
        return None  # the form outlived its TTL

    async def _compute(self, ticket: Ticket, sealed_form: bytes) -> Delivery:
        data = json.loads(self.forms.open(sealed_form, ticket.id.encode()))
        recipient = str(data.pop("notify_to", ""))  # sealed with the form, only with notify
        form = QueryForm(**{**data, "service": Service(data["service"])})
        started = self.clock.monotonic()
        outcome, timings = await self.fan_out.evaluate(form)
        message = outcome_message(outcome)
        return Delivery(
            phone=form.phone,
            template=message.template,
            params=message.params,
            outcome=str(outcome.kind),
            uses_quota=outcome.kind in USES_QUOTA,
            timings=timings,
            duration_ms=int((self.clock.monotonic() - started) * 1000),
            recipient=recipient,
            references=dict(outcome.references),  # result or partial only: its outcome class
        )

    async def _conclude(
        self, ticket: Ticket, job: Delivery, status: TicketStatus, run: Run, started: float
    ) -> str:
        """The notice, then the end in one round trip: status, purge, quota, audit, marker."""
        notice = await self.notice.send(ticket, status, job.recipient)
        give_back = gives_back(OutcomeKind(job.outcome), status)
        duration_ms = job.duration_ms + int((self.clock.monotonic() - started) * 1000)
        audit = audit_event(ticket, job.outcome, job.timings, duration_ms)
        audit["notice"] = notice  # the count of notice failures, by reason, is read from here
        audit["sms_retries"] = str(run.attempt)  # retries after a throttle
        sms_mark = "sent" if status is TicketStatus.DELIVERED else "failed"
        basis = self._report_basis(ticket, job, status)
        end = TicketEnd(status, self.clock.now(), give_back, audit, sms_mark, basis)
        self.tickets.finish(ticket, end)
        self.metrics.query_finished(ticket.service, job.outcome, str(status))
        log.info(
            "query finished",
            extra={
                "ticket": ticket.id,
                "outcome": job.outcome,
                "status": str(status),
                "quota_given_back": give_back,
                "notice": notice,
                "sms_retries": run.attempt,
            },
        )
        return str(status)

    def _report_basis(
        self, ticket: Ticket, job: Delivery, status: TicketStatus
    ) -> ReportBasis | None:
        """A delivered 移动电话卡 query may be reported for 7 days, whatever its outcome: keep its
        phone sealed, and the operators' references only if it ended result or partial."""
        if not (
            self.report_phones
            and status is TicketStatus.DELIVERED
            and ticket.service == Service.PHONE_CARDS
        ):
            return None
        sealed = self.report_phones.seal(job.phone.encode(), basis_context(ticket.id))
        return ReportBasis(sealed, dict(job.references))


def basis_context(ticket_id: str) -> bytes:
    """The phone a ticket keeps for a report opens only as that (never as a form or an SMS)."""
    return f"{ticket_id}/report-phone".encode()


def audit_event(
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
