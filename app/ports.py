"""Ports: every outside thing the use cases talk to, as typing.Protocol.

Adapters (adapters/) implement them; tests/fakes.py has small fakes for unit tests.
Adapters turn SDK and HTTP failures into the exceptions below, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.domain.forms import QueryForm
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Company, Operator


class PartnerUnavailable(Exception):
    """The partner did not answer usefully (timeout, 5xx, bad body) after retries."""


class PartnerRejected(Exception):
    """The partner refused the request (4xx): retrying will not help."""


class LoginRejected(Exception):
    """The platform says the login code is not valid."""


class SmsError(Exception):
    """The SMS gateway did not take the message."""


class SmsThrottled(SmsError):
    """The gateway refuses: too many messages to this number for now. `retry_after_s` is the
    wait the provider's answer suggests (its limit's window), else a minute."""

    def __init__(self, code: str, retry_after_s: int = 60) -> None:
        super().__init__(code)
        self.retry_after_s = retry_after_s


class StoreUnavailable(Exception):
    """Redis (or whatever holds state) cannot be reached."""


@dataclass(frozen=True)
class PlatformUser:
    platform: str  # wechat | alipay
    user_id: str  # WeChat openid or Alipay user_id


class Identity(Protocol):
    def login(self, platform: str, code: str) -> PlatformUser: ...


class SmsGateway(Protocol):
    """An adapter may also offer `async def send_async(...)`, the same call on the worker's event
    loop (the sandbox gateway does); without it the worker calls `send` in a thread."""

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str: ...


class Operators(Protocol):
    async def query_cards(self, operator: Operator, form: QueryForm) -> CardsAnswer: ...

    async def verify_owner(self, operator: Operator, phone: str, id_last6: str) -> OwnerAnswer: ...


class Platforms(Protocol):
    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]: ...


class TaskQueue(Protocol):
    def enqueue_run_query(self, ticket_id: str) -> None: ...

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        """Run the ticket's task again after delay_s, as retry `attempt` of its result SMS;
        `token` tells that message apart from any copy of another."""
        ...


class Unsealable(ValueError):
    """Sealed bytes that cannot be opened: forged, moved to another context, or sealed under a
    key that is gone (a form's epoch key is forgotten once the form has expired)."""


class Sealer(Protocol):
    """Authenticated encryption of the form at rest, with a key id for rotation."""

    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...

    def open(self, sealed: bytes, context: bytes) -> bytes: ...


class Clock(Protocol):
    def now(self) -> float: ...


# --- the Store: state in Redis --------------------------------------------------------------


@dataclass(frozen=True)
class CodeIssue:
    """Everything one code request checks and takes, in one atomic step."""

    service: str
    phone_h: str
    id_h: str  # "" when the service has no ID quota
    user_h: str
    ip_h: str
    code_digest: str
    code_ttl_s: int
    quota_window_s: int
    user_limit: int
    ip_limit: int
    global_limit_per_minute: int = 0  # 0: no ceiling
    now: float = 0.0


@dataclass(frozen=True)
class CodeCheck:
    outcome: str  # ok | mismatch | expired | limited (the user's submit limit)
    attempts_left: int = 0
    retry_after: int = 0  # with limited


@dataclass
class Ticket:
    id: str
    service: str
    status: str
    phone_masked: str
    owner_h: str
    platform: str
    created_at: float
    updated_at: float
    notify: bool = False
    quota: dict[str, str] = field(default_factory=dict)  # service, phone_h, id_h: for give-back


@dataclass(frozen=True)
class Breaker:
    """A partner's circuit breaker as read: closed | open | half_open (cool-down over), and its
    count of consecutive failures."""

    state: str = "closed"
    fails: int = 0


@dataclass(frozen=True)
class Begun:
    ticket: Ticket | None  # None: unknown or expired
    sealed_form: bytes | None  # None: purged (the ticket is final) or outlived its TTL
    breakers: dict[str, Breaker] = field(default_factory=dict)  # absent: a clean breaker
    # the result SMS waiting for a retry (sealed): what to send, where, and why
    pending_sms: bytes | None = None


def breaker_changes(
    results: Mapping[str, bool], breakers: Mapping[str, Breaker]
) -> dict[str, bool]:
    """The calls worth writing back: every failure, and a success only where it closes
    something (failures counted, or a probe). A success on a clean breaker writes nothing, so a
    healthy query costs no breaker round trip. The price: a failure recorded by another worker
    between our read and our success is not reset by it, but by the next success that sees it.
    """
    clean = Breaker()
    return {p: ok for p, ok in results.items() if not ok or breakers.get(p, clean) != clean}


class Store(Protocol):
    def issue_code(self, issue: CodeIssue) -> tuple[int, str]:
        """Take the quotas and store the code: (0, "") or (seconds to wait, the refusing limit)."""
        ...

    def cancel_code(self, issue: CodeIssue) -> None:
        """Undo issue_code when the code SMS could not be sent."""
        ...

    def take_limit(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        """Count one more against a rate limit: 0, or the seconds to wait when it is spent."""
        ...

    def new_ticket_id(self, phone_h: str) -> str:
        """A fresh, unguessable ticket id, placed so its keys live beside the phone's code."""
        ...

    def redeem_code(
        self,
        service: str,
        phone_h: str,
        digest: str,
        max_attempts: int,
        ticket: Ticket,
        sealed_form: bytes,
        form_ttl_s: int,
        submit_limit: int,
    ) -> CodeCheck:
        """Take the user's submit limit, then check the code. Only the user who asked for the
        code (ticket.owner_h) can spend it; for anyone else it is "expired", as if none existed.
        When it matches, burn it and create the ticket with its sealed form, in the same atomic
        step: one round trip, and no code is ever spent without a ticket."""
        ...

    def begin(self, ticket_id: str, now: float) -> Begun:
        """Load the ticket, its sealed form and any result SMS waiting for a retry, mark it
        processing (unless it is final or both are gone), and read every partner's circuit
        breaker: one round trip."""
        ...

    def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    def claim_sms(self, ticket_id: str) -> bool:
        """Mark the result SMS as being sent; False if an earlier delivery already marked it."""
        ...

    def sms_mark(self, ticket_id: str) -> str:
        """How far the delivery holding the marker got: "sending" (or "sending:<token>" for a
        retry), "waiting:<n>" (throttled, retry n scheduled), "sent", "failed" or ""."""
        ...

    def set_sms_mark(self, ticket_id: str, mark: str) -> None: ...

    def swap_sms_mark(self, ticket_id: str, expected: str, mark: str) -> bool:
        """Set the marker to `mark` only if it is still `expected`: of two copies of one
        message, only one goes on."""
        ...

    def park_sms(self, ticket_id: str, mark: str, pending_sms: bytes, ttl_s: int) -> None:
        """A throttled result SMS waits for its retry: the marker becomes `mark`, the sealed
        message is kept for ttl_s, and the sealed form goes (the message is all a retry
        needs). One atomic step."""
        ...

    def claim_notice(self, ticket_id: str) -> bool:
        """Mark the platform notice as being sent; False if an earlier delivery already did."""
        ...

    def breaker_states(self, partner_ids: Sequence[str], now: float) -> dict[str, str]:
        """Each partner's breaker state, for the catalogue and the metrics (a query reads its
        breakers in begin)."""
        ...

    def claim_probe(self, partner_id: str) -> bool:
        """In half-open, let one query at a time try the partner again."""
        ...

    def record_calls(self, results: Mapping[str, bool], now: float) -> None:
        """Count consecutive failures; open a breaker at the threshold, close it on success.
        Callers pass only the calls that change something (see breaker_changes)."""
        ...

    def finish(
        self,
        ticket: Ticket,
        status: str,
        now: float,
        give_back: bool,
        audit: dict[str, str],
        sms_mark: str = "",
    ) -> None:
        """Record the end: status, purge the form and any waiting SMS, give back the quota,
        append the audit event, and (when given) the SMS marker's last word: "sent" or
        "failed"."""
        ...


# --- the result's other channels: uncertain SMS, platform notices (issue 4) -------------------


class SmsUncertain(SmsError):
    """The gateway may have taken the message (no answer after sending): resending may double it."""


class NoticeError(Exception):
    """The platform did not take the notice. `reason` is one word, fit for logs and counters."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoticeRefused(NoticeError):
    """Refused for good: no authorisation left (43101), a bad template, field or user."""


class NoticeUnavailable(NoticeError):
    """Unreachable, failing, or its token refused even after a refresh."""


@dataclass(frozen=True)
class Notice:
    """What a platform notice says (notices/platform.py): short values, never a count."""

    ticket_id: str
    values: Mapping[str, str]  # service, status, phone (masked), time, remark


class PlatformNotifier(Protocol):
    def send(self, platform: str, recipient: str, notice: Notice) -> bool:
        """Send to the user (openid / user_id) on their platform. False: that channel is off.

        Raises NoticeError when the platform does not take it.
        """
        ...


class Metrics(Protocol):
    """What the use cases count. The adapter exports it (Prometheus); the default counts nothing."""

    def partner_call(self, partner: str, seconds: float, ok: bool) -> None: ...

    def query_finished(self, service: str, outcome: str, status: str) -> None: ...


class NoMetrics:
    def partner_call(self, partner: str, seconds: float, ok: bool) -> None:
        return None

    def query_finished(self, service: str, outcome: str, status: str) -> None:
        return None
