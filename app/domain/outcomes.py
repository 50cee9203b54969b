"""How partner answers become one query outcome. Pure: no I/O, no clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.forms import Service
from app.domain.providers import BASIC_OPERATORS, MVNO_GROUP, Registry

PHONE_CARD_COLUMNS = (*BASIC_OPERATORS, MVNO_GROUP)


class OutcomeKind(StrEnum):
    """What a query ended with; which of these use the 24-hour quota is the quota policy's
    (app/domain/quotas.py)."""

    RESULT = "result"
    PARTIAL = "partial"
    MISMATCH = "mismatch"
    NUMBER_INACTIVE = "number_inactive"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class CardsAnswer:
    count: int
    phone_status: str  # active | suspended | cancelled | none
    reference: str = ""  # the operator's opaque reference to this query, valid 7 days


@dataclass(frozen=True)
class OwnerAnswer:
    phone_status: str
    id_last6_match: bool


@dataclass(frozen=True)
class Outcome:
    service: Service
    kind: OutcomeKind
    counts: Mapping[str, int | None] = field(default_factory=dict)  # None: could not answer
    unavailable: tuple[str, ...] = ()  # short names for the SMS
    total: int = 0  # counts only the providers that answered
    # 移动电话卡, result or partial only: each answering operator's reference, for a report
    references: Mapping[str, str] = field(default_factory=dict)


# None in an answers mapping means: the partner could not answer after retries.
CardsAnswers = Mapping[str, CardsAnswer | None]
OwnerAnswers = Mapping[str, OwnerAnswer | None]
CountAnswers = Mapping[str, Mapping[str, int] | None]


def decide_phone_cards(registry: Registry, answers: CardsAnswers) -> Outcome:
    given = [a for a in answers.values() if a is not None]
    failed = [o for o in registry.operators if answers.get(o.id) is None]
    statuses = {a.phone_status for a in given}

    def outcome(kind: OutcomeKind) -> Outcome:
        return Outcome(Service.PHONE_CARDS, kind)

    if "suspended" in statuses:
        return outcome(OutcomeKind.NUMBER_INACTIVE)
    if "active" not in statuses:
        # Unconfirmed while an operator was silent: we cannot tell, so we must not blame the user.
        # A number cancelled at one operator may have been ported to a silent one.
        if failed:
            return outcome(OutcomeKind.UNAVAILABLE)
        # A number cancelled under this ID may be someone else's now (recycled): its new holder
        # gets exactly what any mismatch gets, so a guess of the old owner's ID is never confirmed.
        return outcome(OutcomeKind.MISMATCH)
    counts: dict[str, int | None] = dict.fromkeys(PHONE_CARD_COLUMNS, 0)
    for operator in registry.operators:
        answer = answers.get(operator.id)
        column = counts[operator.group]
        if answer is None or column is None:
            counts[operator.group] = None
        else:
            counts[operator.group] = column + answer.count
    # total counts every operator that answered, even inside a column shown as "-"
    total = sum(a.count for a in given)
    names = tuple(dict.fromkeys(o.short_name for o in failed))
    kind = OutcomeKind.PARTIAL if failed else OutcomeKind.RESULT
    references = {o: a.reference for o, a in answers.items() if a is not None and a.reference}
    return Outcome(Service.PHONE_CARDS, kind, counts, names, total, references)


class Ownership(StrEnum):
    CONFIRMED = "confirmed"
    INACTIVE = "inactive"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


def decide_ownership(answers: OwnerAnswers) -> Ownership:
    given = [a for a in answers.values() if a is not None]
    silent = len(given) < len(answers)
    serving = [a for a in given if a.phone_status in ("active", "suspended")]
    if serving:  # only one operator serves a number at a time
        answer = serving[0]
        if not answer.id_last6_match:
            return Ownership.MISMATCH
        return Ownership.CONFIRMED if answer.phone_status == "active" else Ownership.INACTIVE
    if silent:
        return Ownership.UNKNOWN
    # Nobody serves the number. Cancelled under the ID or not, the answer is a mismatch: the
    # number may have been recycled, and its new holder must not learn whose it was.
    return Ownership.MISMATCH


OWNERSHIP_STOPS = {
    Ownership.INACTIVE: OutcomeKind.NUMBER_INACTIVE,
    Ownership.MISMATCH: OutcomeKind.MISMATCH,
    Ownership.UNKNOWN: OutcomeKind.UNAVAILABLE,
}


def decide_accounts(registry: Registry, answers: CountAnswers) -> Outcome:
    counts: dict[str, int | None] = {}
    failed = []
    for company in registry.companies:
        answer = answers.get(company.id)
        if answer is None:
            failed.append(company)
        for product in company.products:
            counts[product.id] = None if answer is None else int(answer[product.id])
    if len(failed) == len(registry.companies):
        return Outcome(Service.INTERNET_ACCOUNTS, OutcomeKind.UNAVAILABLE)
    kind = OutcomeKind.PARTIAL if failed else OutcomeKind.RESULT
    names = tuple(c.short_name for c in failed)
    total = sum(c for c in counts.values() if c is not None)
    return Outcome(Service.INTERNET_ACCOUNTS, kind, counts, names, total)
