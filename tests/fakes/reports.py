"""The report ports in memory (app/ports/state.py: Reports, MyQueries, Nonces), over the same
Memory as the other state fakes; tests/contracts holds them to what the Redis adapters do."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.domain.reports import ANSWERABLE, REPORT_TTL_S, Answer, CopyState, Report
from app.domain.tickets import ReportBasis, Ticket
from app.ports.state import AnswerReceipt, Created, ReportRecord
from tests.fakes.memory import Memory


class FakeMyQueries:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def recent(self, owner_h: str, since: float, limit: int) -> list[Ticket]:
        mine: dict[str, float] = self.memory.get(f"mine:{owner_h}") or {}
        newest = sorted((t for t, at in mine.items() if at >= since), key=mine.__getitem__)[::-1]
        tickets = (self.memory.get(f"ticket:{t}") for t in newest[:limit])
        return [copy.deepcopy(t) for t in tickets if t is not None]


@dataclass
class _StoredReport:
    """A report as the store holds it: the record the worker reads, and its TTL's clock."""

    report: Report
    dispatched: bool = False
    references: dict[str, str] = field(default_factory=dict)
    phone: bytes | None = None
    keep: bytes | None = None
    answers: dict[str, str] = field(default_factory=dict)
    answered_by_operator: set[str] = field(default_factory=set)


class FakeReports:
    def __init__(self, memory: Memory, ttl_s: int = REPORT_TTL_S) -> None:
        self.memory, self.ttl_s = memory, ttl_s

    def new_id(self, ticket_id: str) -> str:
        return ticket_id[:4] + "".join(
            secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(26)
        )

    def _stored(self, report_id: str) -> _StoredReport | None:
        stored: _StoredReport | None = self.memory.get(f"report:{report_id}")
        return stored

    def create(self, report: Report, sealed_keep: bytes, audit: Mapping[str, str]) -> Created:
        ticket: Ticket | None = self.memory.get(f"ticket:{report.ticket_id}")
        if ticket is None:
            return Created.GONE
        if ticket.report:
            return Created.TAKEN
        ticket.report = report.id
        stored = _StoredReport(copy.deepcopy(report), keep=bytes(sealed_keep))
        self.memory.set(f"report:{report.id}", stored, self.ttl_s)
        self.memory.audit.append(dict(audit))
        return Created.CREATED

    def withdraw(self, report: Report) -> None:
        ticket: Ticket | None = self.memory.get(f"ticket:{report.ticket_id}")
        if ticket is not None and ticket.report == report.id:
            ticket.report = ""
        self.memory.delete(f"report:{report.id}")

    def get(self, report_id: str) -> Report | None:
        record = self.open(report_id)
        return record.report if record else None

    def open(self, report_id: str) -> ReportRecord | None:
        s = self._stored(report_id)
        if s is None:
            return None
        return ReportRecord(
            copy.deepcopy(s.report), s.dispatched, dict(s.references), s.phone, s.keep,
            dict(s.answers),
        )  # fmt: skip

    def basis(self, ticket_id: str) -> ReportBasis | None:
        basis: ReportBasis | None = self.memory.get(f"refs:{ticket_id}")
        return basis

    def dispatch(
        self,
        report_id: str,
        sealed_phone: bytes | None,
        references: Mapping[str, str],
        refusing: Sequence[str],
        now: float,
    ) -> None:
        s = self._stored(report_id)
        if s is None or s.dispatched:
            return
        s.dispatched, s.phone, s.report.updated_at = True, sealed_phone, now
        s.references.update(references)
        self._move(s, refusing, CopyState.REFUSING, now)

    def move(
        self, report_id: str, copies: Sequence[str], new: CopyState, now: float,
        audit: Mapping[str, str],
    ) -> None:  # fmt: skip
        s = self._stored(report_id)
        if s is not None and self._move(s, copies, new, now) and audit:
            self.memory.audit.append(dict(audit))

    @staticmethod
    def _move(s: _StoredReport, copies: Sequence[str], new: CopyState, now: float) -> int:
        moved = 0
        for c in copies:
            if c in s.report.copies and s.report.copies[c].may_become(new):
                s.report.copies[c], s.report.updated_at = new, now
                moved += 1
        return moved

    def next_attempt(self, report_id: str, attempt: int) -> bool:
        s = self._stored(report_id)
        if s is None or s.report.attempt != attempt:
            return False
        s.report.attempt = attempt + 1
        return True

    def accept_answer(
        self, report_id: str, copy_id: str, answer: Answer, now: float, audit: Mapping[str, str]
    ) -> AnswerReceipt:
        s = self._stored(report_id)
        if s is None:
            return AnswerReceipt.UNKNOWN
        state = s.report.copies.get(copy_id)
        if state is CopyState.ANSWERED and copy_id in s.answered_by_operator:
            return AnswerReceipt.PENDING if copy_id in s.answers else AnswerReceipt.DONE
        if state not in ANSWERABLE:
            return AnswerReceipt.NOT_SENT_THERE
        s.report.copies[copy_id], s.report.updated_at = CopyState.ANSWERED, now
        s.answers[copy_id] = answer.encode()
        s.answered_by_operator.add(copy_id)
        self.memory.audit.append(dict(audit))
        return AnswerReceipt.NEW

    def forget_answer(self, report_id: str, copy_id: str) -> None:
        s = self._stored(report_id)
        if s is not None:
            s.answers.pop(copy_id, None)

    def forget_keep(self, report_id: str) -> None:
        s = self._stored(report_id)
        if s is not None:
            s.keep = None


class FakeNonces:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def first_use(self, scope: str, nonce: str, ttl_s: int) -> bool:
        return self.memory.claim(f"nonce:{scope}:{nonce}", max(1, ttl_s))
