"""Small in-memory fakes of the ports (app/ports.py), for unit tests of the core.

FakeStore follows the semantics of adapters/redis_store.py (its Lua scripts and pipelines),
with time taken from a FixedClock so TTLs are deterministic.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.forms import QueryForm
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Company, Operator
from app.ports import (
    Begun,
    Breaker,
    CodeCheck,
    CodeIssue,
    LoginRejected,
    Notice,
    PartnerUnavailable,
    PlatformUser,
    SmsError,
    Ticket,
)


class FixedClock:
    def __init__(self, now: float = 1_764_400_000.0) -> None:
        self.t = now

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class _Entry:
    value: Any
    expires_at: float | None  # None: no TTL


@dataclass(frozen=True)
class Finish:
    ticket_id: str
    status: str
    give_back: bool
    audit: dict[str, str]


class FakeStore:
    """The Store port in memory, with Redis-like keys and TTLs."""

    def __init__(self, clock: FixedClock, ticket_ttl_s: int = 7 * 86400) -> None:
        self.clock = clock
        self.ticket_ttl_s = ticket_ttl_s
        self.data: dict[str, _Entry] = {}
        self.finished: list[Finish] = []
        self.audit: list[dict[str, str]] = []

    # --- a tiny key-value core with TTLs ---------------------------------------------------

    def _get(self, key: str) -> Any:
        entry = self.data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self.clock.now():
            del self.data[key]
            return None
        return entry.value

    def _set(self, key: str, value: Any, ttl_s: float | None) -> None:
        expires = None if ttl_s is None else self.clock.now() + ttl_s
        self.data[key] = _Entry(value, expires)

    def _delete(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)

    def _wait_of(self, key: str) -> int:
        """Like PTTL rounded up to seconds; 1 for a key without TTL."""
        entry = self.data[key]
        if entry.expires_at is None:
            return 1
        return max(1, -int(-(entry.expires_at - self.clock.now()) // 1))

    def _incr(self, key: str, ttl_s: int) -> int:
        current = self._get(key)
        if current is None:
            self._set(key, 1, ttl_s)
            return 1
        self.data[key].value = current + 1
        return int(current + 1)

    def _decr(self, key: str) -> None:
        current = self._get(key)  # an expired counter stays gone (GIVE_BACK_COUNT)
        if current is not None:
            self.data[key].value = current - 1

    @property
    def raw_bytes(self) -> bytes:
        """Everything the store holds, keys and values, as one blob (for privacy checks)."""
        parts: list[bytes] = []
        for key, entry in self.data.items():
            parts.append(key.encode())
            value = entry.value
            parts.append(value if isinstance(value, bytes) else repr(value).encode())
        return b"\n".join(parts)

    # --- codes and quotas (TAKE_ALL / REDEEM_CODE) -----------------------------------------

    @staticmethod
    def _code_keys(issue: CodeIssue) -> tuple[str, str, str, str, str]:
        return (
            f"quota:{issue.phone_h}:{issue.service}",
            f"quota:{issue.id_h or '-'}:id",
            f"limit:{issue.user_h}:day",
            f"limit:{issue.ip_h}:hour",
            f"code:{issue.phone_h}:{issue.service}",
        )

    def issue_code(self, issue: CodeIssue) -> tuple[int, str]:
        phone_q, id_q, user_l, ip_l, code_k = self._code_keys(issue)
        minute, second = divmod(int(issue.now), 60)
        budget = f"budget:{minute}"
        refusals = [(0, "")]
        if self._get(phone_q) is not None:
            refusals.append((self._wait_of(phone_q), "phone"))
        if issue.id_h and self._get(id_q) is not None:
            refusals.append((self._wait_of(id_q), "id"))
        if (self._get(user_l) or 0) >= issue.user_limit:
            refusals.append((self._wait_of(user_l), "user"))
        if (self._get(ip_l) or 0) >= issue.ip_limit:
            refusals.append((self._wait_of(ip_l), "ip"))
        limit = issue.global_limit_per_minute
        if limit and (self._get(budget) or 0) >= limit:
            refusals.append((60 - second, "global"))
        wait, reason = max(refusals, key=lambda r: r[0])
        if wait > 0:
            return wait, reason
        self._set(phone_q, "1", issue.quota_window_s)
        if issue.id_h:
            self._set(id_q, "1", issue.quota_window_s)
        self._incr(user_l, 86400)
        self._incr(ip_l, 3600)
        if limit:
            self._incr(budget, 120)
        self._set(code_k, {"d": issue.code_digest, "a": 0, "u": issue.user_h}, issue.code_ttl_s)
        return 0, ""

    def take_limit(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        key = f"limit:{subject_h}:{name}"
        if (self._get(key) or 0) >= limit:
            return self._wait_of(key)
        self._incr(key, window_s)
        return 0

    def cancel_code(self, issue: CodeIssue) -> None:
        phone_q, id_q, user_l, ip_l, code_k = self._code_keys(issue)
        self._delete(phone_q, code_k)
        if issue.id_h:
            self._delete(id_q)
        self._decr(user_l)
        self._decr(ip_l)

    def new_ticket_id(self, phone_h: str) -> str:
        return phone_h[:4] + secrets.token_urlsafe(16)

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
        limiter = f"limit:{ticket.owner_h}:submits"
        if (self._get(limiter) or 0) >= submit_limit:
            return CodeCheck("limited", retry_after=self._wait_of(limiter))
        self._incr(limiter, 3600)
        key = f"code:{phone_h}:{service}"
        code = self._get(key)
        if code is None or code["u"] != ticket.owner_h:
            return CodeCheck("expired", 0)
        if code["d"] == digest:
            self._delete(key)
            self.create_ticket(ticket, sealed_form, form_ttl_s)
            return CodeCheck("ok", 0)
        code["a"] += 1
        left = max_attempts - code["a"]
        if left <= 0:
            self._delete(key)
        return CodeCheck("mismatch", max(left, 0))

    def quota_taken(self, phone_h: str, service: str) -> bool:
        return self._get(f"quota:{phone_h}:{service}") is not None

    def id_quota_taken(self, id_h: str) -> bool:
        return self._get(f"quota:{id_h}:id") is not None

    # --- tickets ---------------------------------------------------------------------------

    def create_ticket(self, ticket: Ticket, sealed_form: bytes, form_ttl_s: int) -> None:
        self._set(f"ticket:{ticket.id}", copy.deepcopy(ticket), self.ticket_ttl_s)
        self._set(f"form:{ticket.id}", bytes(sealed_form), form_ttl_s)

    def begin(self, ticket_id: str, now: float) -> Begun:
        ticket = self.get_ticket(ticket_id)
        if ticket is None:
            return Begun(None, None, {})
        form = self.load_form(ticket_id)
        pending = self._get(f"pending:{ticket_id}")
        live = form is not None or pending is not None
        if live and ticket.status not in ("delivered", "failed"):
            self.set_status(ticket_id, "processing", now)
        partners = [k.removeprefix("breaker:") for k in list(self.data) if k.startswith("breaker:")]
        read = {p: self._get(f"breaker:{p}") for p in partners}  # None once expired
        found = {p: v for p, v in read.items() if v is not None}
        states = self.breaker_states(list(found), now)
        breakers = {p: Breaker(states[p], v["fails"]) for p, v in found.items()}
        return Begun(ticket, form, breakers, pending)

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        ticket = self._get(f"ticket:{ticket_id}")
        return copy.deepcopy(ticket) if ticket is not None else None

    def load_form(self, ticket_id: str) -> bytes | None:
        form: bytes | None = self._get(f"form:{ticket_id}")
        return form

    def set_status(self, ticket_id: str, status: str, now: float) -> None:
        ticket = self._get(f"ticket:{ticket_id}")
        if ticket is not None:  # HSET on a missing hash would create a partial one; keep it simple
            ticket.status = status
            ticket.updated_at = now

    def claim_sms(self, ticket_id: str) -> bool:
        key = f"sms:{ticket_id}"
        if self._get(key) is not None:
            return False
        self._set(key, "sending", 7 * 86400)
        return True

    def sms_mark(self, ticket_id: str) -> str:
        mark = self._get(f"sms:{ticket_id}")
        return "" if mark is None else str(mark)

    def set_sms_mark(self, ticket_id: str, mark: str) -> None:
        self._set(f"sms:{ticket_id}", mark, 7 * 86400)

    def swap_sms_mark(self, ticket_id: str, expected: str, mark: str) -> bool:
        if self._get(f"sms:{ticket_id}") != expected:
            return False
        self.set_sms_mark(ticket_id, mark)
        return True

    def park_sms(self, ticket_id: str, mark: str, pending_sms: bytes, ttl_s: int) -> None:
        self.set_sms_mark(ticket_id, mark)
        self._set(f"pending:{ticket_id}", bytes(pending_sms), ttl_s)
        self._delete(f"form:{ticket_id}")

    def load_pending(self, ticket_id: str) -> bytes | None:
        pending: bytes | None = self._get(f"pending:{ticket_id}")
        return pending

    def claim_notice(self, ticket_id: str) -> bool:
        key = f"notice:{ticket_id}"
        if self._get(key) is not None:
            return False
        self._set(key, "1", 7 * 86400)
        return True

    def finish(
        self,
        ticket: Ticket,
        status: str,
        now: float,
        give_back: bool,
        audit: dict[str, str],
        sms_mark: str = "",
    ) -> None:
        self.finished.append(Finish(ticket.id, status, give_back, dict(audit)))
        if sms_mark:
            self.set_sms_mark(ticket.id, sms_mark)
        self.set_status(ticket.id, status, now)
        self._delete(f"form:{ticket.id}", f"pending:{ticket.id}")
        if give_back and ticket.quota:
            self._delete(f"quota:{ticket.quota['phone_h']}:{ticket.quota['service']}")
            if ticket.quota.get("id_h"):
                self._delete(f"quota:{ticket.quota['id_h']}:id")
        if audit:
            self.audit.append(dict(audit))

    # --- circuit breakers, same rules as adapters/redis_store.py ----------------------------

    breaker_threshold = 5
    breaker_cooldown_s = 30.0

    def breaker_states(self, partner_ids: Sequence[str], now: float) -> dict[str, str]:
        states = {}
        for partner_id in partner_ids:
            opened_at = (self._get(f"breaker:{partner_id}") or {}).get("opened_at")
            if opened_at is None:
                states[partner_id] = "closed"
            elif now - opened_at < self.breaker_cooldown_s:
                states[partner_id] = "open"
            else:
                states[partner_id] = "half_open"
        return states

    def claim_probe(self, partner_id: str) -> bool:
        key = f"breaker-probe:{partner_id}"
        if self._get(key) is not None:
            return False
        self._set(key, "1", self.breaker_cooldown_s)
        return True

    def record_calls(self, results: Mapping[str, bool], now: float) -> None:
        for partner_id, ok in results.items():
            key = f"breaker:{partner_id}"
            if ok:
                self._delete(key, f"breaker-probe:{partner_id}")
                continue
            state = dict(self._get(key) or {"fails": 0})
            state["fails"] += 1
            if state["fails"] >= self.breaker_threshold:
                state["opened_at"] = now
            self._set(key, state, 86400)


@dataclass(frozen=True)
class SentSms:
    phone: str
    template: str
    params: dict[str, str]
    idempotency_key: str


class FakeSms:
    """Records every accepted message; fails the next `fail_times` sends with `error`.

    With idempotent=True it behaves like a gateway that dedupes on the idempotency key
    (Alibaba Cloud's OutId): a repeated key is accepted and not sent again.
    """

    def __init__(
        self, fail_times: int = 0, error: type[SmsError] = SmsError, idempotent: bool = False
    ) -> None:
        self.fail_times = fail_times
        self.error = error
        self.idempotent = idempotent
        self.sent: list[SentSms] = []
        self.attempts = 0

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        self.attempts += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise self.error("gateway refused")
        if self.idempotent and any(s.idempotency_key == idempotency_key for s in self.sent):
            return f"msg-{idempotency_key}"
        self.sent.append(SentSms(phone, template, dict(params), idempotency_key))
        return f"msg-{len(self.sent)}"

    def last_code(self) -> str:
        codes = [s.params["code"] for s in self.sent if s.template.startswith("code_")]
        assert codes, "no code SMS was sent"
        return codes[-1]


class FakeIdentity:
    def __init__(self, users: Mapping[str, PlatformUser] | None = None) -> None:
        self.users = dict(users or {})

    def login(self, platform: str, code: str) -> PlatformUser:
        user = self.users.get(code)
        if user is None or user.platform != platform:
            raise LoginRejected(code)
        return user


@dataclass(frozen=True)
class Scheduled:
    ticket_id: str
    attempt: int
    token: str
    delay_s: float


class FakeQueue:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.enqueued: list[str] = []
        self.scheduled: list[Scheduled] = []  # retries of throttled result SMS

    def enqueue_run_query(self, ticket_id: str) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.enqueued.append(ticket_id)

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.scheduled.append(Scheduled(ticket_id, attempt, token, delay_s))


@dataclass(frozen=True)
class Hang:
    """A canned answer that never comes in time: the partner sleeps this long first."""

    seconds: float = 30.0


DOWN = PartnerUnavailable("canned: partner down")


@dataclass
class FakePartners:
    """Operators and Platforms from canned answers per partner id.

    A value may be the answer, an exception instance (raised), or a Hang.
    """

    cards: dict[str, CardsAnswer | BaseException | Hang] = field(default_factory=dict)
    owners: dict[str, OwnerAnswer | BaseException | Hang] = field(default_factory=dict)
    counts: dict[str, dict[str, int] | BaseException | Hang] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def _answer(self, kind: str, table: Mapping[str, Any], partner_id: str) -> Any:
        self.calls.append((kind, partner_id))
        answer = table.get(partner_id, DOWN)
        if isinstance(answer, Hang):
            await asyncio.sleep(answer.seconds)
            raise PartnerUnavailable("hung partner woke up")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def query_cards(self, operator: Operator, form: QueryForm) -> CardsAnswer:
        answer: CardsAnswer = await self._answer("cards", self.cards, operator.id)
        return answer

    async def verify_owner(self, operator: Operator, phone: str, id_last6: str) -> OwnerAnswer:
        answer: OwnerAnswer = await self._answer("owner", self.owners, operator.id)
        return answer

    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]:
        answer: dict[str, int] = await self._answer("count", self.counts, company.id)
        return dict(answer)


class FakeNotifier:
    """The PlatformNotifier port: records notices; raises `error` (a NoticeError) when set.

    `platforms` are the ones with a channel; others get False, like a platform without a
    configured template.
    """

    def __init__(
        self, error: Exception | None = None, platforms: Sequence[str] = ("wechat", "alipay")
    ) -> None:
        self.error = error
        self.platforms = tuple(platforms)
        self.sent: list[tuple[str, str, Notice]] = []
        self.attempts = 0

    def send(self, platform: str, recipient: str, notice: Notice) -> bool:
        self.attempts += 1
        if self.error is not None:
            raise self.error
        if platform not in self.platforms:
            return False
        self.sent.append((platform, recipient, notice))
        return True


class CrashOnceStore(FakeStore):
    """The worker dies after the SMS went out, before the end is recorded."""

    crashed = False

    def finish(self, *args: Any, **kwargs: Any) -> None:
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("worker died")
        super().finish(*args, **kwargs)
