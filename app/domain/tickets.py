"""The ticket: one accepted query, and its lifecycle.

    accepted ──▶ processing ──▶ delivered
        │            │  ▲
        │            └──┘ (a redelivered task, or a throttled SMS's retry, begins again)
        └───────────▶ failed ◀── processing

`delivered` means the final SMS went to the gateway, whatever it said; `failed` that no SMS
could be sent (api.md). A final ticket never moves again: a task delivered once more finds it
final and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TicketStatus(StrEnum):
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    def may_become(self, new: TicketStatus) -> bool:
        return new in TRANSITIONS[self]


LISTED_FOR_S = 7 * 86400  # 我的查询 lists a user's tickets of the last 7 days (api.md)
FINAL_STATUSES = frozenset({TicketStatus.DELIVERED, TicketStatus.FAILED})
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.ACCEPTED: frozenset(
        {TicketStatus.PROCESSING, TicketStatus.FAILED}  # failed: the task could not be queued
    ),
    TicketStatus.PROCESSING: frozenset(
        {TicketStatus.PROCESSING, TicketStatus.DELIVERED, TicketStatus.FAILED}
    ),
    TicketStatus.DELIVERED: frozenset(),
    TicketStatus.FAILED: frozenset(),
}


class TicketMoveRefused(ValueError):
    """A move the lifecycle does not allow: a bug in the caller, never a user's doing."""


@dataclass
class Ticket:
    id: str
    service: str
    status: TicketStatus
    phone_masked: str
    owner_h: str  # keyed hash of the platform user who made the query
    platform: str
    created_at: float
    updated_at: float
    notify: bool = False
    quota: dict[str, str] = field(default_factory=dict)  # service, phone_h, id_h: for give-back
    report: str = ""  # the 非本人 report made from it, if any (app/domain/reports.py)
    channel: str = ""  # the QR-code channel its session counted for (app/domain/channels.py)

    def check_move(self, new: TicketStatus) -> None:
        if not self.status.may_become(new):
            raise TicketMoveRefused(f"a {self.status} ticket cannot become {new}")


@dataclass(frozen=True)
class TicketEnd:
    """Everything a query's end changes, written at once: the final status, the quota given back
    or not, the audit event, and the result SMS marker's last word."""

    status: TicketStatus
    now: float
    give_back: bool
    audit: dict[str, str]
    sms_mark: str = ""  # "sent" | "failed" | "" (leave it)
    # kept for a report (app/domain/reports.py): the phone sealed, and the operators'
    # references when the query ended result or partial; None: nothing to keep
    report_basis: ReportBasis | None = None


@dataclass(frozen=True)
class ReportBasis:
    """What a delivered 移动电话卡 query leaves for a report, for 7 days: its phone sealed, and
    each answering operator's reference only when it ended result or partial. Only the worker
    reads it, so no answer of the API depends on the query's outcome."""

    sealed_phone: bytes
    references: dict[str, str] = field(default_factory=dict)
