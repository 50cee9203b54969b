"""The SMS of a 非本人 report (product.md): report_received, report_refused and each operator's
answer, through the result SMS's delivery policy (app/services/delivery.py): each exactly once
by its own marker, a throttled one waiting sealed for its retry (the `report_sms` task).

When a message is done (sent, or failed for good), what it stood for is closed: the copies it
refused read `answered`, and an operator's answer is forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.providers import MVNO_SHORT_NAME, Registry
from app.domain.reports import (
    ANSWER,
    RECEIVED,
    REFUSED,
    Answer,
    CopyState,
    group_names,
    message_id,
    parse_message_id,
    short_ref,
)
from app.ports.runtime import Clock, Sealer, Unsealable
from app.ports.state import DeliveryMarks, ReportRecord, Reports
from app.services.delivery import Delivery, ResultSms, Run
from app.services.reports import phone_context, report_event
from notices.sms import Message, report_answer, report_received, report_refused

log = logging.getLogger(__name__)
FINAL = ("delivered", "failed")


@dataclass(frozen=True)
class ReportMessages:
    reports: Reports
    sms: ResultSms  # with retry_task REPORT_SMS
    marks: DeliveryMarks
    phones: Sealer  # the phone kept for reports
    registry: Registry
    hotlines: Mapping[str, str]  # operator id -> its confirmed hotline
    clock: Clock

    def phone_of(self, record: ReportRecord) -> str | None:
        if record.sealed_phone is None:
            return None
        try:
            return self.phones.open(record.sealed_phone, phone_context(record.report.id)).decode()
        except Unsealable:  # its key is gone (a key store restart): nobody can be told
            log.warning("report phone cannot be opened", extra={"report": record.report.id})
            return None

    async def received(self, record: ReportRecord, groups: Sequence[str]) -> None:
        names = group_names(self.registry, groups)
        message = report_received(names, short_ref(record.report.id))
        await self._send(record, message_id(record.report.id, RECEIVED), message)

    async def refused(self, record: ReportRecord) -> None:
        """At most one report_refused per report, whatever the copies it speaks for."""
        await self._send(record, message_id(record.report.id, REFUSED), report_refused())

    async def answer(self, record: ReportRecord, copy: str) -> None:
        raw = record.answers.get(copy)
        if raw is None:  # its SMS has gone already
            return
        operator = next((o for o in self.registry.operators if o.id == copy), None)
        name = operator.name if operator else MVNO_SHORT_NAME
        message = report_answer(Answer.decode(raw), name, self.hotlines.get(copy, ""))
        await self._send(record, message_id(record.report.id, ANSWER, copy), message)

    async def retry(self, record: ReportRecord, message: str, run: Run) -> None:
        """A throttled message's retry (the report_sms task, attempt 1, 2 ...)."""
        parked = self.marks.parked_sms(message)
        if parked is None:  # settled meanwhile
            return
        status = await self.sms.deliver_to(message, self.sms.unseal(message, parked), run)
        if status in FINAL:
            self.settle(record, message, str(status))

    async def _send(self, record: ReportRecord, message: str, sms: Message) -> None:
        phone = self.phone_of(record)
        if phone is None:
            self.settle(record, message, "failed")
            return
        job = Delivery(phone, sms.template, sms.params, "report", uses_quota=False)
        status = await self.sms.deliver_to(message, job, Run())
        if status in FINAL:
            self.settle(record, message, str(status))

    def settle(self, record: ReportRecord, message: str, status: str) -> None:
        """The message is done: its mark's last word, then what it stood for is closed."""
        report = record.report
        _, kind, copy = parse_message_id(message)
        self.marks.settle_sms(message, "sent" if status == "delivered" else "failed")
        log.info("report SMS done", extra={"report": report.id, "kind": kind, "status": status})
        if kind == REFUSED:
            refusing = self.reports.open(report.id)
            copies = refusing.report.in_state(CopyState.REFUSING) if refusing else []
            event = report_event(report, "refused", copies)
            self.reports.move(report.id, copies, CopyState.ANSWERED, self.clock.now(), event)
        elif kind == ANSWER:
            self.reports.forget_answer(report.id, copy)


@dataclass(frozen=True)
class SendReportSms:
    """The `report_sms` task: an operator's answer to tell (attempt 0), or a throttled
    message's retry (attempt 1, 2 ...)."""

    reports: Reports
    messages: ReportMessages

    async def __call__(self, message: str, run: Run) -> None:
        report_id, kind, copy = parse_message_id(message)
        record = self.reports.open(report_id)
        if record is None:
            return
        if run.attempt:
            await self.messages.retry(record, message, run)
        elif kind == ANSWER:
            await self.messages.answer(record, copy)
