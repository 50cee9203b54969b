"""Use cases of the API around 非本人 reports: 我的查询, submitting a report, and reading its
status (never the operators' answers). What happens next is the worker's (forward_report.py)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import AlreadyReported, NotFound, NotReportable, ServiceUnavailable
from app.domain.hashing import KeyedHasher
from app.domain.providers import Registry
from app.domain.reports import (
    CopyState,
    Report,
    ReportStatus,
    copies_of,
    parse_request,
    reportable,
)
from app.domain.tickets import LISTED_FOR_S, Ticket
from app.ports.runtime import FORWARD_REPORT, Clock, Sealer, TaskQueue
from app.ports.state import Created, MyQueries, Reports
from app.services.caller import Caller
from app.services.queries import ReadTicket

log = logging.getLogger(__name__)
MAX_LISTED = 100  # far above what the code limits let one user make in 7 days
_REPORT_RE = re.compile(r"[0-9A-Za-z_-]{4}[a-z2-7]{26}")  # adapters/redis/keys.py new_report_id


@dataclass(frozen=True)
class Listed:
    ticket: Ticket
    reportable: bool


@dataclass(frozen=True)
class ListQueries:
    """我的查询: the caller's tickets of the last 7 days, newest first, status only."""

    mine: MyQueries
    hasher: KeyedHasher
    clock: Clock

    def __call__(self, caller: Caller) -> list[Listed]:
        now = self.clock.now()
        found = self.mine.recent(caller.user_h(self.hasher), now - LISTED_FOR_S, MAX_LISTED)
        return [Listed(t, reportable(t, now)) for t in found]


@dataclass(frozen=True)
class ReportAccepted:
    report: str
    status: str
    message: str


@dataclass(frozen=True)
class SubmitReport:
    read_ticket: ReadTicket
    reports: Reports
    registry: Registry
    queue: TaskQueue
    keep_sealer: Sealer  # the `keep` endings at rest, until every copy has gone
    clock: Clock

    def __call__(self, caller: Caller, ticket_id: str, data: Mapping[str, Any]) -> ReportAccepted:
        request = parse_request(data)
        ticket = self.read_ticket(caller, ticket_id)  # another user's ticket is a 404
        now = self.clock.now()
        if ticket.report:
            raise AlreadyReported()
        if not reportable(ticket, now):
            raise NotReportable()
        groups = copies_of(self.registry, request.groups)
        report = Report(
            id=self.reports.new_id(ticket.id),
            ticket_id=ticket.id,
            owner_h=ticket.owner_h,
            groups=groups,
            copies={c: CopyState.SUBMITTED for copies in groups.values() for c in copies},
            created_at=now,
            updated_at=now,
        )
        keep = self.keep_sealer.seal(json.dumps(request.keep).encode(), keep_context(report.id))
        created = self.reports.create(report, keep, report_event(report, "submitted", groups))
        if created is Created.TAKEN:
            raise AlreadyReported()
        if created is Created.GONE:
            raise NotFound()
        self.enqueue(report)
        log.info("report accepted", extra={"report": report.id, "ticket": ticket.id})
        # The same answer whatever the query's outcome was: no oracle.
        message = f"反映已提交,受理结果将通过短信发送至{ticket.phone_masked}"
        return ReportAccepted(report.id, str(ReportStatus.SUBMITTED), message)

    def enqueue(self, report: Report) -> None:
        try:
            self.queue.enqueue_task(FORWARD_REPORT, report.id)
        except Exception:
            log.exception("enqueue failed", extra={"report": report.id})
            self.reports.withdraw(report)  # the user may report again
            raise ServiceUnavailable() from None


@dataclass(frozen=True)
class ReadReport:
    reports: Reports
    hasher: KeyedHasher

    def __call__(self, caller: Caller, report_id: str) -> Report:
        known = _REPORT_RE.fullmatch(report_id)
        report = self.reports.get(report_id) if known else None
        if report is None or report.owner_h != caller.user_h(self.hasher):
            raise NotFound("未找到该反映")  # another user's report looks like an unknown one
        return report


def keep_context(report_id: str) -> bytes:
    return f"{report_id}/keep".encode()


def phone_context(report_id: str) -> bytes:
    return f"{report_id}/phone".encode()


def report_event(
    report: Report, step: str, operators: Sequence[str] | Mapping[str, Any] = ()
) -> dict[str, str]:
    """The audit stream's record of a report's step: hashed ids, never an answer or a keep."""
    return {
        "event": "report",
        "step": step,
        "report": report.id,
        "ticket": report.ticket_id,
        "user_h": report.owner_h,
        "operators": ",".join(operators),
    }


def is_report_id(value: str) -> bool:
    return _REPORT_RE.fullmatch(value) is not None
