"""Ports of the state we keep (Redis in production, in-memory fakes in unit tests), one per
thing held. Every implementation applies the domain's policies (app/domain) as it is given
them; tests/contracts runs the same cases against the fake and the Redis adapter of each.

A port raises StoreUnavailable when its store cannot be reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from app.domain.breakers import BreakerRecord
from app.domain.channels import Channel, FunnelStage, QrKind
from app.domain.codes import CodeCheck
from app.domain.reports import Answer, CopyState, Report
from app.domain.tickets import ReportBasis, Ticket, TicketEnd


class StoreUnavailable(Exception):
    """Redis (or whatever holds state) cannot be reached."""


@dataclass(frozen=True)
class CodeRequest:
    """One code request: who asks for what, by keyed hashes, and the code's keyed hash."""

    service: str
    phone_h: str
    id_h: str  # "" when the service has no ID quota
    user_h: str
    ip_h: str  # of the client network
    code_digest: str
    now: float
    channel: str = ""  # the QR-code channel to count the code request for, if any


@dataclass(frozen=True)
class Refusal:
    """A limit that refused, and how long until it would not."""

    limit: str  # app.domain.quotas.Limit
    retry_after: int


@dataclass(frozen=True)
class Redemption:
    """A submit: the code's keyed hash to check, and the ticket (with its sealed form) to
    create in the same atomic step when it matches."""

    service: str
    phone_h: str
    code_digest: str
    ticket: Ticket
    sealed_form: bytes


class Codes(Protocol):
    """Verification codes, and the quotas taken when one is issued (app/domain/quotas.py)."""

    def issue(self, request: CodeRequest) -> Refusal | None:
        """Check every quota, then take them all and store the code (owned by request.user_h),
        atomically, and count the request in its channel's funnel; or take nothing and say
        which limit refused."""
        ...

    def cancel(self, request: CodeRequest) -> None:
        """Undo issue, its funnel count included: the code SMS could not be sent."""
        ...

    def redeem(self, redemption: Redemption) -> CodeCheck:
        """Take the owner's submit limit, then check the code: only its owner
        (ticket.owner_h) can spend it. On a match, burn it and create the ticket and its
        sealed form, atomically: no code is ever spent without a ticket."""
        ...


class RateLimits(Protocol):
    def take(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        """Count one more: 0, or the seconds to wait once the limit is spent."""
        ...


@dataclass(frozen=True)
class QueryStart:
    """A query's start, as the worker finds it."""

    ticket: Ticket | None  # None: unknown or expired
    sealed_form: bytes | None  # None: purged (the ticket is final) or outlived its TTL
    pending_sms: bytes | None = None  # a throttled result SMS waiting for its retry


class Tickets(Protocol):
    def new_id(self, phone_h: str) -> str:
        """A fresh, unguessable ticket id, placed so its keys live beside the phone's code."""
        ...

    def get(self, ticket_id: str) -> Ticket | None: ...

    def begin(self, ticket_id: str, now: float) -> QueryStart:
        """Load the ticket with its sealed form or parked SMS, and mark it processing unless it
        is final or has neither: one round trip."""
        ...

    def finish(self, ticket: Ticket, end: TicketEnd) -> None:
        """Record the end in one round trip: the status, the form purged, the quota given back
        (end.give_back), the audit event, the SMS marker's last word, the report basis
        (end.report_basis, 7 days), the ticket in its owner's 我的查询, and the channel's funnel
        counts (channels.stages_at_end)."""
        ...


class DeliveryMarks(Protocol):
    """How far each ticket's result SMS and platform notice got: their exactly-once marks."""

    def claim_sms(self, ticket_id: str) -> bool:
        """Mark the result SMS as being sent; False if an earlier delivery already marked it."""
        ...

    def sms_mark(self, ticket_id: str) -> str:
        """ "sending", "sending:<token>", "waiting:<n>", "sent", "failed", or ""."""
        ...

    def set_sms_mark(self, ticket_id: str, mark: str) -> None: ...

    def swap_sms_mark(self, ticket_id: str, expected: str, new: str) -> bool:
        """Compare-and-set: True if the mark was `expected` and is now `new`."""
        ...

    def park_sms(self, ticket_id: str, mark: str, sealed: bytes, ttl_s: int) -> None:
        """A throttled result SMS waits, sealed, for its retry; the form goes, the mark says
        which retry is due."""
        ...

    def claim_notice(self, ticket_id: str) -> bool:
        """Mark the platform notice as being sent; False if an earlier delivery already did."""
        ...

    def parked_sms(self, ticket_id: str) -> bytes | None:
        """A report's throttled SMS waiting for its retry (a ticket's comes with begin)."""
        ...

    def settle_sms(self, ticket_id: str, mark: str) -> None:
        """A report's SMS is done ("sent" or "failed"): the last word, and no parked copy."""
        ...


class Breakers(Protocol):
    """Every partner's circuit-breaker record, shared by all workers (app/domain/breakers.py)."""

    def records(self) -> dict[str, BreakerRecord]:
        """Every partner's record; a partner not named has a clean one."""
        ...

    def claim_probe(self, partner_id: str) -> bool:
        """In half-open, let one query at a time try the partner again."""
        ...

    def record(self, results: Mapping[str, bool], now: float) -> None:
        """Apply the calls' results (BreakerPolicy.after_call); callers pass only the calls
        that change something (breakers.worth_writing)."""
        ...


class AuditLog(Protocol):
    def tail(self, count: int) -> list[dict[str, str]]:
        """The newest events, oldest first: hashed identifiers, outcome classes, timings."""
        ...

    def record(self, event: Mapping[str, str], now: float) -> None:
        """Append an event (an admin call) under the stream's retention."""
        ...


class Liveness(Protocol):
    def beat(self) -> None:
        """A worker says it is alive (for /readyz)."""
        ...

    def check(self) -> tuple[bool, bool]:
        """(the store answers, a worker beat recently)."""
        ...


class SeenMessages(Protocol):
    """WeChat delivers a message again when our answer is late: it is answered once."""

    def first_time(self, mark: str) -> bool:
        """True the first time this mark (domain.official_account.delivery_mark) is seen
        within a few minutes."""
        ...


class MyQueries(Protocol):
    """我的查询: each platform user's tickets, written by Tickets.finish."""

    def recent(self, owner_h: str, since: float, limit: int) -> list[Ticket]:
        """The user's tickets made since then, newest first, at most `limit`."""
        ...


class Created(StrEnum):
    CREATED = "created"
    TAKEN = "taken"  # the ticket has a report already
    GONE = "gone"  # the ticket expired meanwhile


class AnswerReceipt(StrEnum):
    NEW = "new"  # recorded now: its SMS is due
    PENDING = "pending"  # recorded before, its SMS not yet gone
    DONE = "done"  # recorded before, its SMS gone
    UNKNOWN = "unknown"  # no such report
    NOT_SENT_THERE = "not_sent_there"  # the report has no copy for that operator that went


@dataclass(frozen=True)
class ReportRecord:
    """A report as the worker reads it: what the API shows, and what is kept to forward it and
    to tell the user (never shown)."""

    report: Report
    dispatched: bool = False  # the first run has taken the query's basis
    references: Mapping[str, str] = field(default_factory=dict)  # copy -> its operator's
    sealed_phone: bytes | None = None
    sealed_keep: bytes | None = None  # the `keep` endings, until every copy has gone
    answers: Mapping[str, str] = field(default_factory=dict)  # copy -> Answer, until its SMS


class Reports(Protocol):
    """非本人 reports (app/domain/reports.py), and the basis their tickets left. Every change
    that the audit stream records takes its event along, in the same round trip."""

    def new_id(self, ticket_id: str) -> str:
        """A fresh, unguessable report id, whose keys live beside its ticket's."""
        ...

    def create(self, report: Report, sealed_keep: bytes, audit: Mapping[str, str]) -> Created:
        """Link the report to its ticket (one per ticket) and store it, atomically."""
        ...

    def withdraw(self, report: Report) -> None:
        """Undo create: its forwarding could not be queued."""
        ...

    def get(self, report_id: str) -> Report | None: ...

    def open(self, report_id: str) -> ReportRecord | None:
        """The report with what is kept for it (the worker)."""
        ...

    def basis(self, ticket_id: str) -> ReportBasis | None:
        """What the ticket's query left (Tickets.finish), or None."""
        ...

    def dispatch(
        self,
        report_id: str,
        sealed_phone: bytes | None,
        references: Mapping[str, str],
        refusing: Sequence[str],
        now: float,
    ) -> None:
        """The first run: keep the phone and the references of the copies that may go, and
        mark the others refusing."""
        ...

    def move(
        self, report_id: str, copies: Sequence[str], new: CopyState, now: float,
        audit: Mapping[str, str],
    ) -> None:  # fmt: skip
        """Move each copy that may (app/domain/reports.py TRANSITIONS); the others stay."""
        ...

    def next_attempt(self, report_id: str, attempt: int) -> bool:
        """Compare-and-set of the forwarding chain: True if it was `attempt`, now one more."""
        ...

    def accept_answer(
        self, report_id: str, copy: str, answer: Answer, now: float, audit: Mapping[str, str]
    ) -> AnswerReceipt:
        """An operator's answer to its copy: recorded once, kept until its SMS has gone."""
        ...

    def forget_answer(self, report_id: str, copy: str) -> None:
        """Its SMS has gone (or cannot): no answer is kept."""
        ...

    def forget_keep(self, report_id: str) -> None: ...


class Nonces(Protocol):
    """Nonces of signed calls from partners: a nonce is good once (the replay window)."""

    def first_use(self, scope: str, nonce: str, ttl_s: int) -> bool: ...


class Channels(Protocol):
    """The QR-code channels: durable configuration, kept without a TTL (docs/design.md)."""

    def create(self, channel: Channel) -> bool:
        """Store a new channel; False when its id is taken."""
        ...

    def get(self, channel_id: str) -> Channel | None: ...

    def all(self) -> list[Channel]:
        """Every channel, oldest first."""
        ...


class Funnel(Protocol):
    """Per channel and China-time day, counts only (app/domain/channels.py), kept as long as
    the FunnelPolicy says. Code requests, queries and deliveries are counted by Codes.issue and
    Tickets.finish in their own round trips; this counts arrivals and reads."""

    def arrive(self, channel_id: str, stage: FunnelStage, now: float) -> str:
        """Count a scan or a session for the channel when it exists, else for `unknown`, in
        one atomic step; returns what it counted for."""
        ...

    def days(self, channel_id: str, days: Sequence[str]) -> list[dict[FunnelStage, int]]:
        """The channel's counts on each of these days (zeros included), in their order."""
        ...

    def totals(self, day: str) -> dict[FunnelStage, int]:
        """Every channel's counts of one day together."""
        ...


class QrImages(Protocol):
    """A cache of the channels' QR images: the platforms rate-limit the calls that make them."""

    def get(self, kind: QrKind, channel_id: str, variant: str) -> bytes | None: ...

    def put(self, kind: QrKind, channel_id: str, variant: str, png: bytes, ttl_s: int) -> None: ...
