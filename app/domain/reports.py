"""非本人反映: a report of cards that are not mine, from a delivered 移动电话卡 query, and its
lifecycle (product.md, "Reporting a card that is not mine"; api.md, the report endpoints).

A report names groups (`cmcc` ... `mvno`); each group goes to its operators as copies: one for a
basic operator, one per virtual operator for `mvno`. Each copy moves on its own:

    submitted ──▶ forwarded ──▶ answered        the operator got it, then answered
        │                          ▲
        └──▶ refusing ─────────────┘           it cannot go (or the operator refused it):
                                                the user is told by report_refused, then answered

`refusing` reads `forwarded` in the API, so a report that cannot go shows the same sequence of
statuses as one that goes (no oracle). A report, and a group, read as the least advanced of
their copies. The operator's answer itself is never kept once its SMS has gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

from app.domain import spelling
from app.domain.errors import InvalidFields
from app.domain.providers import BASIC_OPERATORS, MVNO_GROUP, MVNO_SHORT_NAME, Registry
from app.domain.tickets import Ticket, TicketStatus

DAY_S = 86400
REPORT_WINDOW_S = 7 * DAY_S  # a ticket may be reported this long after it was made (api.md)
REPORT_TTL_S = 7 * DAY_S  # a report, and what it keeps, live this long after it is made
REFERENCE_TTL_S = 7 * DAY_S  # the operators' references and the sealed phone of a query
GROUPS = (*BASIC_OPERATORS, MVNO_GROUP)
MAX_KEEP = 20
REF_CHARS = 6  # {ref} in report_received: at most 12 (product.md); 6 fits every gateway


class ReportStatus(StrEnum):
    """What the API shows, for the report and for each operator."""

    SUBMITTED = "submitted"
    FORWARDED = "forwarded"
    ANSWERED = "answered"


class CopyState(StrEnum):
    """Where one operator's copy of a report is."""

    SUBMITTED = "submitted"
    FORWARDED = "forwarded"
    REFUSING = "refusing"  # it will not go: report_refused is due, then answered
    ANSWERED = "answered"

    @property
    def shown(self) -> ReportStatus:
        return SHOWN[self]

    def may_become(self, new: CopyState) -> bool:
        return new in TRANSITIONS[self]


SHOWN = {
    CopyState.SUBMITTED: ReportStatus.SUBMITTED,
    CopyState.FORWARDED: ReportStatus.FORWARDED,
    CopyState.REFUSING: ReportStatus.FORWARDED,
    CopyState.ANSWERED: ReportStatus.ANSWERED,
}
TRANSITIONS: dict[CopyState, frozenset[CopyState]] = {
    # answered straight from submitted: the operator answered before we recorded the forward
    CopyState.SUBMITTED: frozenset({CopyState.FORWARDED, CopyState.REFUSING, CopyState.ANSWERED}),
    CopyState.FORWARDED: frozenset({CopyState.ANSWERED}),
    CopyState.REFUSING: frozenset({CopyState.ANSWERED}),
    CopyState.ANSWERED: frozenset(),
}
_ORDER = (ReportStatus.SUBMITTED, ReportStatus.FORWARDED, ReportStatus.ANSWERED)


def sources(new: CopyState) -> list[str]:
    """The states a copy may move to `new` from: what the stores' scripts are given."""
    return sorted(str(state) for state, allowed in TRANSITIONS.items() if new in allowed)


# Only a copy that went to its operator (or may have: a crash before it was recorded) takes an
# answer from it.
ANSWERABLE = (CopyState.SUBMITTED, CopyState.FORWARDED)


class OperatorAnswer(StrEnum):
    CLOSED = "closed"  # the cards not theirs were cancelled, with how many
    CONFIRMED = "confirmed"  # every card is registered with their own documents
    VISIT_STORE = "visit_store"  # an in-person check is needed


@dataclass(frozen=True)
class Answer:
    kind: OperatorAnswer
    count: int = 0  # closed: how many cards were cancelled

    def encode(self) -> str:
        return f"{self.kind}:{self.count}"

    @classmethod
    def decode(cls, raw: str) -> Answer:
        kind, _, count = raw.partition(":")
        return cls(OperatorAnswer(kind), int(count or 0))


@dataclass
class Report:
    id: str
    ticket_id: str
    owner_h: str  # the platform user who made the ticket and the report
    groups: dict[str, tuple[str, ...]]  # requested group -> its copies (operator ids)
    copies: dict[str, CopyState]  # operator id -> where its copy is
    created_at: float
    updated_at: float
    attempt: int = 0  # the forwarding task's retry chain: only its current message works

    @property
    def status(self) -> ReportStatus:
        return least(c.shown for c in self.copies.values())

    def group_status(self, group: str) -> ReportStatus:
        return least(self.copies[c].shown for c in self.groups[group])

    def in_state(self, state: CopyState) -> list[str]:
        return [copy for copy, now in self.copies.items() if now is state]


def least(statuses: Iterable[ReportStatus]) -> ReportStatus:
    return min(statuses, key=_ORDER.index, default=ReportStatus.ANSWERED)


@dataclass(frozen=True)
class ReportRequest:
    groups: tuple[str, ...]
    keep: tuple[str, ...] = field(default_factory=tuple)


def parse_request(data: Mapping[str, object]) -> ReportRequest:
    """operators: 1-5 distinct groups; keep: up to 20 distinct four-digit endings (full-width
    digits fold to ASCII, as every number does). Every wrong field at once."""
    errors: dict[str, list[str]] = {}
    groups = data.get("operators")
    if not (isinstance(groups, list) and 1 <= len(groups) <= len(GROUPS)):
        errors["operators"] = ["请选择1至5个运营商"]
    elif not all(isinstance(g, str) and g in GROUPS for g in groups):
        errors["operators"] = ["运营商应为cmcc、cucc、ctcc、cbn或mvno"]
    elif len(set(groups)) != len(groups):
        errors["operators"] = ["运营商不能重复"]
    raw_keep = data.get("keep", [])
    keep: list[str] = []
    if not (isinstance(raw_keep, list) and len(raw_keep) <= MAX_KEEP):
        errors["keep"] = ["最多填写20个号码后四位"]
    else:
        keep = [spelling.code(k) if isinstance(k, str) else "" for k in raw_keep]
        if not all(spelling.is_ascii_digits(k, 4) for k in keep):
            errors["keep"] = ["请填写号码的后四位数字"]
        elif len(set(keep)) != len(keep):
            errors["keep"] = ["号码后四位不能重复"]
    if errors:
        raise InvalidFields(errors)
    return ReportRequest(tuple(cast(list[str], groups)), tuple(keep))


def reportable(ticket: Ticket, now: float) -> bool:
    """api.md: a delivered 移动电话卡 ticket, less than 7 days old, with no report yet. It never
    depends on the query's outcome."""
    return (
        ticket.service == "phone_cards"
        and ticket.status is TicketStatus.DELIVERED
        and now - ticket.created_at < REPORT_WINDOW_S
        and not ticket.report
    )


def copies_of(registry: Registry, groups: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each group's copies: a basic operator itself, every virtual operator for `mvno`. A group
    with no operator in the registry keeps one copy of its own name, which can never go."""
    return {g: tuple(o.id for o in registry.operators if o.group == g) or (g,) for g in groups}


def forwardable(groups: Mapping[str, tuple[str, ...]], references: Mapping[str, str]) -> set[str]:
    """The copies that may go: those of a group whose every operator answered the query with a
    reference. A group whose count was `-` cannot be reported (product.md)."""
    return {
        copy
        for copies in groups.values()
        if copies and all(references.get(c) for c in copies)
        for copy in copies
    }


def group_names(registry: Registry, groups: Iterable[str]) -> str:
    """How report_received names the groups it went to: 中国移动、转售企业."""
    names = {o.group: o.short_name for o in registry.operators}
    return "、".join(names.get(g, MVNO_SHORT_NAME) for g in groups)


def short_ref(report_id: str) -> str:
    """{ref}: the report id's last characters, upper case: what an operator can match."""
    return report_id[-REF_CHARS:].upper()


@dataclass(frozen=True)
class ForwardPolicy:
    """How long a report keeps being forwarded to an operator that is down, and how often."""

    window_s: float = DAY_S  # REPORT_FORWARD_WINDOW_S
    first_wait_s: float = 30.0  # REPORT_RETRY_FIRST_S
    longest_wait_s: float = 1800.0  # REPORT_RETRY_LONGEST_S

    def delay(self, retry: int, created_at: float, now: float) -> float | None:
        """The wait before retry n (1, 2 ...), doubling up to the longest; None once the
        window is over. The last try falls at the window's end."""
        left = created_at + self.window_s - now
        if left <= 0:
            return None
        wait = self.first_wait_s * float(2 ** max(0, retry - 1))
        return min(wait, self.longest_wait_s, left)


def parse_answer(data: object) -> Answer:
    """An operator's answer: {"answer": "closed", "count": 2}, or confirmed / visit_store with no
    count. Anything else is InvalidFields."""
    if not isinstance(data, dict) or not set(data) <= {"answer", "count"}:
        raise InvalidFields({"answer": ["应为{answer, count}对象"]})
    kind, count = data.get("answer"), data.get("count")
    if kind not in tuple(OperatorAnswer):
        raise InvalidFields({"answer": ["应为closed、confirmed或visit_store"]})
    if kind == OperatorAnswer.CLOSED:
        if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 999):
            raise InvalidFields({"count": ["closed需给出注销的张数(1-999)"]})
        return Answer(OperatorAnswer.CLOSED, count)
    if count is not None:
        raise InvalidFields({"count": ["只有closed带张数"]})
    return Answer(OperatorAnswer(kind))


# A report's SMS, each exactly once, by its own id (its marks live in the report's slot):
# <report>.received, <report>.refused (at most one per report), <report>.answer.<operator>.
RECEIVED, REFUSED, ANSWER = "received", "refused", "answer"


def message_id(report_id: str, kind: str, copy: str = "") -> str:
    return f"{report_id}.{kind}" + (f".{copy}" if copy else "")


def parse_message_id(value: str) -> tuple[str, str, str]:
    """(report id, kind, operator) of a message id."""
    report_id, _, rest = value.partition(".")
    kind, _, copy = rest.partition(".")
    return report_id, kind, copy
