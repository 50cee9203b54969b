"""The sandbox's in-memory world: people and their cards, accounts, messages, faults, nonces.

One event loop owns it, so plain dicts suffice (no awaits happen inside a mutation).
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.sms_frequency import Frequency

CARD_STATUSES = ("active", "suspended", "cancelled")
IN_SERVICE = ("active", "suspended")
FAULT_MODES = ("ok", "error", "timeout", "slow", "flapping")  # flapping: every other call fails
SMS_FAULT_MODES = (*FAULT_MODES, "limit")
TOKEN_TTL_S = 7200
REFERENCE_TTL_S = 7 * 86400  # an operator's reference to a query stays good this long


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Card:
    operator: str
    phone: str
    status: str


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Fault:
    mode: str = "ok"
    latency_ms: int = 0
    # only the queries about these numbers fail ("error"); each is one query of a batch, or a
    # single request. Empty: the fault applies to every request.
    phones: frozenset[str] = frozenset()


@dataclass
class Traffic:
    """What one emulated partner received: requests, the client connections they came on (a
    pooled client reuses one), and the queries they carried (a batch carries several)."""

    requests: int = 0
    queries: int = 0
    connections: set[tuple[str, int]] = field(default_factory=set)

    def as_json(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "queries": self.queries,
            "connections": len(self.connections),
        }


@dataclass
class Token:
    value: str
    expires_at: float


@dataclass(frozen=True)
class Reference:
    """What an operator's reference to a query stands for, on the operator's side."""

    operator: str
    id_number: str
    issued_at: float


@dataclass
class SandboxState:
    people: dict[str, Person] = field(default_factory=dict)  # insertion order = PUT order
    # phone -> the ID numbers with a card for it, in PUT order: owner checks read one entry,
    # not every person (a linear scan was 70% of the sandbox's CPU under the bench)
    _by_phone: dict[str, dict[str, None]] = field(default_factory=dict)
    accounts: dict[str, dict[str, int]] = field(default_factory=dict)
    sms: list[dict[str, Any]] = field(default_factory=list)
    sms_by_out_id: dict[str, str] = field(default_factory=dict)  # out_id -> message_id
    notices: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    flap_counts: dict[str, int] = field(default_factory=dict)
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    _nonce_order: deque[tuple[float, tuple[str, str]]] = field(default_factory=deque)
    # WeChat access tokens outlive a reset, like the keys: the app may cache them.
    tokens: dict[str, Token] = field(default_factory=dict)  # appid -> current token
    # every request the cloud SMS emulations received, as sent (GET /_sandbox/sms/raw)
    sms_raw: list[dict[str, Any]] = field(default_factory=list)
    token_fetches: dict[str, int] = field(default_factory=dict)  # appid -> tokens handed out
    menus: dict[str, Any] = field(default_factory=dict)  # appid -> the menu last created
    frequency: Frequency = field(default_factory=Frequency)  # per-number sending limits
    frequency_at_start: tuple[bool, dict[str, int]] = (False, {})  # what a reset goes back to
    # messages a gateway refused (limits, bad templates): GET /_sandbox/sms/refusals
    sms_refusals: list[dict[str, Any]] = field(default_factory=list)
    traffic: dict[str, Traffic] = field(default_factory=dict)  # GET /_sandbox/traffic
    # the operators' side of 非本人 reports: the references they issued, the reports they got
    references: dict[str, Reference] = field(default_factory=dict)  # in the order issued
    reports: list[dict[str, Any]] = field(default_factory=list)
    _reported: set[tuple[str, str]] = field(default_factory=set)  # (report, operator)

    def reset(self) -> None:
        self.people.clear()
        self._by_phone.clear()
        self.accounts.clear()
        self.sms.clear()
        self.sms_by_out_id.clear()
        self.sms_raw.clear()
        self.notices.clear()
        self.faults.clear()
        self.flap_counts.clear()
        self.nonces.clear()
        self._nonce_order.clear()
        self.menus.clear()
        self.sms_refusals.clear()
        self.traffic.clear()
        self.references.clear()
        self.reports.clear()
        self._reported.clear()
        self.frequency.configure(*self.frequency_at_start)

    # --- people and cards -------------------------------------------------------------------

    def put_person(self, person: Person) -> None:
        # Re-inserting moves the person to the end: "the last PUT wins" for shared numbers.
        earlier = self.people.pop(person.id_number, None)
        for card in earlier.cards if earlier else ():
            self._by_phone.get(card.phone, {}).pop(person.id_number, None)
        self.people[person.id_number] = person
        for card in person.cards:
            self._by_phone.setdefault(card.phone, {})[person.id_number] = None

    def in_service_elsewhere(self, person: Person) -> bool:
        """Would this person hold, not cancelled, a number someone else holds not cancelled?
        A number is recycled only once cancelled: at most one holder is not (api.md)."""
        for card in person.cards:
            if card.status == "cancelled":
                continue
            for other in self._by_phone.get(card.phone, {}):
                if other != person.id_number and any(
                    c.phone == card.phone and c.status != "cancelled"
                    for c in self.people[other].cards
                ):
                    return True
        return False

    def holders(self, operator: str, phone: str) -> list[tuple[Person, Card]]:
        """Every (person, card) for that number at that operator, in PUT order."""
        return [
            (person, card)
            for person in map(self.people.__getitem__, self._by_phone.get(phone, {}))
            for card in person.cards
            if card.operator == operator and card.phone == phone
        ]

    # --- 非本人 reports ----------------------------------------------------------------------

    def issue_reference(self, operator: str, id_number: str, now: float) -> str:
        """A fresh opaque reference to one query, kept as long as it is good."""
        for old in list(self.references):  # issued in order: the expired ones come first
            if self.references[old].issued_at + REFERENCE_TTL_S > now:
                break
            del self.references[old]
        reference = f"{operator}-{secrets.token_urlsafe(12)}"
        self.references[reference] = Reference(operator, id_number, now)
        return reference

    def reference_problem(self, reference: str, operator: str, now: float) -> str:
        """ "" for a reference this operator issued and that is still good; else why not."""
        found = self.references.get(reference)
        if found is None or found.operator != operator:
            return "unknown_reference"
        if found.issued_at + REFERENCE_TTL_S <= now:
            return "expired_reference"
        return ""

    def receive_report(self, operator: str, report: str, keep: list[str]) -> None:
        """Once per report and operator: a report delivered again is not a second one."""
        if (report, operator) in self._reported:
            return
        self._reported.add((report, operator))
        entry = {"report": report, "operator": operator, "keep": keep, "received_at": utc_now_iso()}
        self.reports.append(entry)

    def received(self, report: str, operator: str) -> bool:
        return (report, operator) in self._reported

    # --- nonces -------------------------------------------------------------------------------

    def remember_nonce(self, partner: str, nonce: str, ttl_s: float, now: float) -> bool:
        """False when the nonce was seen within ttl_s (a replay)."""
        self._forget_old_nonces(now)
        key = (partner, nonce)
        if key in self.nonces:
            return False
        expires = now + ttl_s
        self.nonces[key] = expires
        self._nonce_order.append((expires, key))
        return True

    def _forget_old_nonces(self, now: float) -> None:
        while self._nonce_order and self._nonce_order[0][0] <= now:
            expires, key = self._nonce_order.popleft()
            if self.nonces.get(key) == expires:
                del self.nonces[key]

    # --- faults -------------------------------------------------------------------------------

    def fault(self, partner: str) -> Fault:
        return self.faults.get(partner, Fault())

    def flaps(self, partner: str) -> bool:
        """For a flapping partner: True on every other call, starting with the first."""
        self.flap_counts[partner] = self.flap_counts.get(partner, 0) + 1
        return self.flap_counts[partner] % 2 == 1

    def set_fault(self, partner: str, fault: Fault) -> None:
        self.flap_counts.pop(partner, None)
        if fault.mode == "ok":
            self.faults.pop(partner, None)
        else:
            self.faults[partner] = fault

    # --- messages and notices -----------------------------------------------------------------

    def record_sms(self, message: dict[str, Any], out_id: str, message_id: str) -> None:
        self.sms.append(message)
        self.sms_by_out_id[out_id] = message_id

    def record_refusal(self, provider: str, phone: str, template: str, code: str) -> None:
        self.sms_refusals.append(
            {
                "provider": provider,
                "phone": phone,
                "template": template,
                "code": code,
                "at": utc_now_iso(),
            }
        )

    def record_notice(
        self, channel: str, user: str, template: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a platform notice (wechat_subscribe | wechat_template | alipay_template)."""
        notice = {
            "channel": channel,
            "user": user,
            "template": template,
            "data": data,
            "sent_at": utc_now_iso(),
        }
        self.notices.append(notice)
        return notice

    # --- WeChat access tokens -----------------------------------------------------------------

    def issue_token(self, appid: str, rotate: bool, now: float | None = None) -> Token:
        now = time.time() if now is None else now
        self.token_fetches[appid] = self.token_fetches.get(appid, 0) + 1
        current = self.tokens.get(appid)
        if rotate or current is None or current.expires_at <= now:
            current = Token(secrets.token_urlsafe(48), now + TOKEN_TTL_S)
            self.tokens[appid] = current
        return current

    def token_appid(self, token: str, now: float | None = None) -> str | None:
        """The appid a live token belongs to, for endpoints that check access_token."""
        now = time.time() if now is None else now
        for appid, current in self.tokens.items():
            if secrets.compare_digest(current.value, token) and current.expires_at > now:
                return appid
        return None
