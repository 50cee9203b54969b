"""Use case (worker, the `forward_report` task): take a report to its operators.

Its first run takes what the ticket's query left (the phone sealed, and the operators'
references only if it ended result or partial) and decides, per copy, whether it may go: a
copy may go when every operator of its group answered the query. The user hears
report_received for the copies that go, report_refused for the others (a query that did not
end result or partial refuses them all; nobody can report against someone else's ID).

The copies that may go are sent through each operator's circuit breaker, as queries are. A
copy whose operator is down stays `submitted`; the task runs again later, waiting from
REPORT_RETRY_FIRST_S doubling to REPORT_RETRY_LONGEST_S, for REPORT_FORWARD_WINDOW_S (24 h),
then it is refused. Only the current message of the retry chain works (a compare-and-set of
`attempt`), and the operator dedupes on our report id: a report arrives once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from app.domain.providers import Operator, Registry
from app.domain.reports import CopyState, ForwardPolicy, forwardable
from app.ports.partners import Operators, PartnerRejected
from app.ports.runtime import FORWARD_REPORT, Clock, Sealer, TaskQueue, Unsealable
from app.ports.state import ReportRecord, Reports
from app.services.fan_out import FanOut
from app.services.report_sms import ReportMessages
from app.services.reports import keep_context, phone_context, report_event
from app.services.run_query import basis_context

log = logging.getLogger(__name__)
FORWARDED, REJECTED = "forwarded", "rejected"


@dataclass(frozen=True)
class ForwardReport:
    reports: Reports
    operators: Operators
    fan_out: FanOut  # the breakers, the deadline and the metrics of partner calls
    registry: Registry
    messages: ReportMessages
    phones: Sealer  # the phone kept for reports, and the `keep` endings
    queue: TaskQueue
    clock: Clock
    policy: ForwardPolicy

    async def __call__(self, report_id: str, attempt: int = 0) -> None:
        record = self.reports.open(report_id)
        if record is None or record.report.attempt != attempt:
            return  # gone, or a stale message of the retry chain
        if not record.dispatched:
            self._dispatch(record)
            record = self.reports.open(report_id)
            if record is None:
                return
        if attempt == 0 and record.references:  # something goes: tell the user, once
            groups = [
                g for g, copies in record.report.groups.items() if copies[0] in record.references
            ]
            await self.messages.received(record, groups)
        await self._forward(record)
        record = self.reports.open(report_id)
        if record is None:
            return
        self._retry_later(record, attempt)
        record = self.reports.open(report_id) or record
        if record.report.in_state(CopyState.REFUSING):
            await self.messages.refused(record)
        if not record.report.in_state(CopyState.SUBMITTED) and record.sealed_keep:
            self.reports.forget_keep(report_id)

    def _dispatch(self, record: ReportRecord) -> None:
        """The first run: the query's basis decides which copies may go."""
        report = record.report
        basis = self.reports.basis(report.ticket_id)
        references = dict(basis.references) if basis else {}
        going = forwardable(report.groups, references)
        phone: bytes | None = None
        if basis is not None:
            try:  # sealed again for the report's own 7 days
                plain = self.phones.open(basis.sealed_phone, basis_context(report.ticket_id))
                phone = self.phones.seal(plain, phone_context(report.id))
            except Unsealable:
                log.warning("report basis cannot be opened", extra={"report": report.id})
        refusing = [c for c in report.copies if c not in going]
        kept = {c: references[c] for c in going}
        self.reports.dispatch(report.id, phone, kept, refusing, self.clock.now())
        log.info(
            "report dispatched",
            extra={"report": report.id, "going": len(going), "refused": len(refusing)},
        )

    async def _forward(self, record: ReportRecord) -> None:
        report = record.report
        going = [c for c in report.in_state(CopyState.SUBMITTED) if c in record.references]
        if not going:
            return
        keep = self._keep(record)
        operators = {o.id: o for o in self.registry.operators}
        calls = {
            copy: partial(self._send, operators.get(copy), record.references[copy], report.id, keep)
            for copy in going
        }
        deadline = self.clock.monotonic() + self.fan_out.deadline_s
        results = await self.fan_out.gather(calls, deadline, {})
        sent = [c for c, r in results.items() if r == FORWARDED]
        rejected = [c for c, r in results.items() if r == REJECTED]
        now = self.clock.now()
        self.reports.move(
            report.id, sent, CopyState.FORWARDED, now, report_event(report, "forwarded", sent)
        )
        self.reports.move(report.id, rejected, CopyState.REFUSING, now, {})
        log.info(
            "report forwarded",
            extra={"report": report.id, "sent": len(sent), "rejected": len(rejected)},
        )

    async def _send(
        self, operator: Operator | None, reference: str, report_id: str, keep: Sequence[str]
    ) -> str:
        if operator is None:  # no longer in the registry
            return REJECTED
        try:
            await self.operators.forward_report(operator, reference, report_id, keep)
        except PartnerRejected:  # it answered: an unknown or expired reference
            return REJECTED
        return FORWARDED

    def _retry_later(self, record: ReportRecord, attempt: int) -> None:
        """Copies whose operator was down wait for the next message of the chain, until the
        window is over; then they are refused."""
        report = record.report
        waiting = report.in_state(CopyState.SUBMITTED)
        if not waiting:
            return
        now = self.clock.now()
        delay = self.policy.delay(attempt + 1, report.created_at, now)
        if delay is None:
            log.warning("report not forwarded within its window", extra={"report": report.id})
            self.reports.move(report.id, waiting, CopyState.REFUSING, now, {})
        elif self.reports.next_attempt(report.id, attempt):
            self.queue.enqueue_task(FORWARD_REPORT, report.id, attempt + 1, "", delay)
            log.info("report forward retry", extra={"report": report.id, "delay_s": delay})

    def _keep(self, record: ReportRecord) -> list[str]:
        if record.sealed_keep is None:
            return []
        try:
            keep = json.loads(self.phones.open(record.sealed_keep, keep_context(record.report.id)))
        except Unsealable:
            return []
        return [str(k) for k in keep]
