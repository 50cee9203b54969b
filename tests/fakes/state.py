"""The state ports in memory: a tiny key-value store with TTLs on a FixedClock, and one fake per
port over it. Each applies the policy it is given (app/domain), as the Redis adapters do; the
contract suites (tests/contracts) hold them to the same behaviour."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.domain.breakers import BreakerPolicy, BreakerRecord
from app.domain.channels import FunnelPolicy, FunnelStage, stages_at_end
from app.domain.codes import CodeCheck, CodeCheckOutcome, CodePolicy
from app.domain.quotas import Limit, QuotaPolicy, Rule
from app.domain.reports import REFERENCE_TTL_S
from app.domain.tickets import FINAL_STATUSES, LISTED_FOR_S, Ticket, TicketEnd, TicketStatus
from app.ports.state import CodeRequest, QueryStart, Redemption, Refusal
from tests.fakes.channels import FakeChannels, FakeFunnel, FakeQrImages, count
from tests.fakes.clock import FixedClock
from tests.fakes.memory import Memory
from tests.fakes.reports import FakeMyQueries, FakeNonces, FakeReports

MARK_TTL_S = 7 * 86400


class FakeCodes:
    def __init__(
        self,
        memory: Memory,
        quotas: QuotaPolicy,
        codes: CodePolicy,
        ticket_ttl_s: int = 7 * 86400,
        form_ttl_s: int = 3600,
        funnel: FunnelPolicy | None = None,
    ) -> None:
        self.memory, self.quotas, self.codes = memory, quotas, codes
        self.ticket_ttl_s, self.form_ttl_s = ticket_ttl_s, form_ttl_s
        self.funnel = funnel or FunnelPolicy()

    def issue(self, request: CodeRequest) -> Refusal | None:
        m, q = self.memory, self.quotas
        phone_q, id_q, user_l, ip_l, code_k = _code_keys(request)
        budget = f"budget:{int(request.now) // 60}"
        refusals = []
        if m.get(phone_q) is not None:
            refusals.append(Refusal(Limit.PHONE, m.wait_of(phone_q)))
        if request.id_h and m.get(id_q) is not None:
            refusals.append(Refusal(Limit.ID, m.wait_of(id_q)))
        if (m.get(user_l) or 0) >= q.user.count:
            refusals.append(Refusal(Limit.USER, m.wait_of(user_l)))
        if (m.get(ip_l) or 0) >= q.ip.count:
            refusals.append(Refusal(Limit.IP, m.wait_of(ip_l)))
        if q.all_codes.count and (m.get(budget) or 0) >= q.all_codes.count:
            refusals.append(Refusal(Limit.GLOBAL, 60 - int(request.now) % 60))
        if refusals:
            return max(refusals, key=lambda r: r.retry_after)
        m.set(phone_q, "1", q.phone.window_s)
        if request.id_h:
            m.set(id_q, "1", q.id_number.window_s)
        m.incr(user_l, q.user.window_s)
        m.incr(ip_l, q.ip.window_s)
        if q.all_codes.count:
            m.incr(budget, 120)
        code = {"d": request.code_digest, "a": 0, "u": request.user_h}
        m.set(code_k, code, self.codes.ttl_s)
        if request.channel:
            count(m, self.funnel, request.channel, FunnelStage.CODE_REQUESTS, request.now)
        return None

    def cancel(self, request: CodeRequest) -> None:
        phone_q, id_q, user_l, ip_l, code_k = _code_keys(request)
        self.memory.delete(phone_q, code_k)
        if request.id_h:
            self.memory.delete(id_q)
        self.memory.give_back(user_l)
        self.memory.give_back(ip_l)
        if request.channel:
            count(self.memory, self.funnel, request.channel, FunnelStage.CODE_REQUESTS,
                  request.now, -1)  # fmt: skip

    def redeem(self, redemption: Redemption) -> CodeCheck:
        m, ticket = self.memory, redemption.ticket
        wait = m.take_count(f"limit:{ticket.owner_h}:submits", self.quotas.submits)
        if wait:
            return CodeCheck(CodeCheckOutcome.LIMITED, retry_after=wait)
        key = f"code:{redemption.phone_h}:{redemption.service}"
        code = m.get(key)
        if code is None or code["u"] != ticket.owner_h:
            return CodeCheck(CodeCheckOutcome.EXPIRED)
        if code["d"] == redemption.code_digest:
            m.delete(key)
            m.set(f"ticket:{ticket.id}", copy.deepcopy(ticket), self.ticket_ttl_s)
            m.set(f"form:{ticket.id}", bytes(redemption.sealed_form), self.form_ttl_s)
            return CodeCheck(CodeCheckOutcome.OK)
        code["a"] += 1
        left = self.codes.attempts_left(code["a"])
        if left <= 0:
            m.delete(key)
        return CodeCheck(CodeCheckOutcome.MISMATCH, attempts_left=left)

    def quota_taken(self, phone_h: str, service: str) -> bool:
        return self.memory.get(f"quota:{phone_h}:{service}") is not None

    def id_quota_taken(self, id_h: str) -> bool:
        return self.memory.get(f"quota:{id_h}:id") is not None


def _code_keys(request: CodeRequest) -> tuple[str, str, str, str, str]:
    return (
        f"quota:{request.phone_h}:{request.service}",
        f"quota:{request.id_h or '-'}:id",
        f"limit:{request.user_h}:day",
        f"limit:{request.ip_h}:hour",
        f"code:{request.phone_h}:{request.service}",
    )


@dataclass(frozen=True)
class Finish:
    ticket_id: str
    status: TicketStatus
    give_back: bool
    audit: dict[str, str]


class FakeTickets:
    def __init__(self, memory: Memory, funnel: FunnelPolicy | None = None) -> None:
        self.memory = memory
        self.funnel = funnel or FunnelPolicy()
        self.finished: list[Finish] = []

    def new_id(self, phone_h: str) -> str:
        return phone_h[:4] + secrets.token_urlsafe(16)

    def get(self, ticket_id: str) -> Ticket | None:
        ticket = self.memory.get(f"ticket:{ticket_id}")
        return copy.deepcopy(ticket) if ticket is not None else None

    def begin(self, ticket_id: str, now: float) -> QueryStart:
        ticket = self.get(ticket_id)
        if ticket is None:
            return QueryStart(None, None)
        form = self.memory.get(f"form:{ticket_id}")
        pending = self.memory.get(f"pending:{ticket_id}")
        if (form is not None or pending is not None) and ticket.status not in FINAL_STATUSES:
            self._set_status(ticket_id, TicketStatus.PROCESSING, now)
            ticket.status, ticket.updated_at = TicketStatus.PROCESSING, now
        return QueryStart(ticket, form, pending)

    def finish(self, ticket: Ticket, end: TicketEnd) -> None:
        ticket.check_move(end.status)
        m = self.memory
        self.finished.append(Finish(ticket.id, end.status, end.give_back, dict(end.audit)))
        if end.sms_mark:
            m.set(f"sms:{ticket.id}", end.sms_mark, MARK_TTL_S)
        self._set_status(ticket.id, end.status, end.now)
        m.delete(f"form:{ticket.id}", f"pending:{ticket.id}")
        if end.give_back and ticket.quota:
            m.delete(f"quota:{ticket.quota['phone_h']}:{ticket.quota['service']}")
            if ticket.quota.get("id_h"):
                m.delete(f"quota:{ticket.quota['id_h']}:id")
        if end.audit:
            m.audit.append(dict(end.audit))
        if end.report_basis is not None:
            m.set(f"refs:{ticket.id}", end.report_basis, REFERENCE_TTL_S)
        mine = dict(m.get(f"mine:{ticket.owner_h}") or {})
        mine[ticket.id] = ticket.created_at
        mine = {t: at for t, at in mine.items() if at >= end.now - LISTED_FOR_S}
        m.set(f"mine:{ticket.owner_h}", mine, LISTED_FOR_S)
        for stage in stages_at_end(ticket.status, end.status) if ticket.channel else ():
            at = ticket.created_at if stage is FunnelStage.QUERIES else end.now
            count(m, self.funnel, ticket.channel, stage, at)

    def _set_status(self, ticket_id: str, status: TicketStatus, now: float) -> None:
        ticket = self.memory.get(f"ticket:{ticket_id}")
        if ticket is not None:
            ticket.status, ticket.updated_at = status, now


class FakeDeliveryMarks:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def claim_sms(self, ticket_id: str) -> bool:
        return self.memory.claim(f"sms:{ticket_id}", MARK_TTL_S, "sending")

    def sms_mark(self, ticket_id: str) -> str:
        mark = self.memory.get(f"sms:{ticket_id}")
        return "" if mark is None else str(mark)

    def set_sms_mark(self, ticket_id: str, mark: str) -> None:
        self.memory.set(f"sms:{ticket_id}", mark, MARK_TTL_S)

    def swap_sms_mark(self, ticket_id: str, expected: str, new: str) -> bool:
        if self.memory.get(f"sms:{ticket_id}") != expected:
            return False
        self.set_sms_mark(ticket_id, new)
        return True

    def park_sms(self, ticket_id: str, mark: str, sealed: bytes, ttl_s: int) -> None:
        self.set_sms_mark(ticket_id, mark)
        self.memory.set(f"pending:{ticket_id}", bytes(sealed), ttl_s)
        self.memory.delete(f"form:{ticket_id}")

    def claim_notice(self, ticket_id: str) -> bool:
        return self.memory.claim(f"notice:{ticket_id}", MARK_TTL_S)

    def parked_sms(self, ticket_id: str) -> bytes | None:
        parked: bytes | None = self.memory.get(f"pending:{ticket_id}")
        return parked

    def settle_sms(self, ticket_id: str, mark: str) -> None:
        self.set_sms_mark(ticket_id, mark)
        self.memory.delete(f"pending:{ticket_id}")


class FakeBreakers:
    def __init__(self, memory: Memory, policy: BreakerPolicy) -> None:
        self.memory, self.policy = memory, policy

    def records(self) -> dict[str, BreakerRecord]:
        found = {}
        for key in list(self.memory.data):
            if key.startswith("breaker:") and (record := self.memory.get(key)) is not None:
                found[key.removeprefix("breaker:")] = record
        return found

    def claim_probe(self, partner_id: str) -> bool:
        return self.memory.claim(f"breaker-probe:{partner_id}", self.policy.cooldown_s)

    def record(self, results: Mapping[str, bool], now: float) -> None:
        for partner_id, ok in results.items():
            key = f"breaker:{partner_id}"
            record = self.policy.after_call(self.memory.get(key) or BreakerRecord(), ok, now)
            if ok:
                self.memory.delete(key, f"breaker-probe:{partner_id}")
            else:
                self.memory.set(key, record, 86400)


class FakeRateLimits:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def take(self, name: str, subject_h: str, limit: int, window_s: int) -> int:
        return self.memory.take_count(
            f"limit:{subject_h}:{name}", Rule(Limit(name), limit, window_s)
        )


class FakeAuditLog:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def tail(self, count: int) -> list[dict[str, str]]:
        return [dict(event) for event in self.memory.audit[-count:]]

    def record(self, event: Mapping[str, str], now: float) -> None:
        self.memory.audit.append(dict(event))


class FakeSeenMessages:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def first_time(self, mark: str) -> bool:
        return self.memory.claim(f"oa-seen:{mark}", 300)


@dataclass
class FakeState:
    """Every state fake over one Memory, as one Redis holds every key."""

    memory: Memory
    codes: FakeCodes
    tickets: FakeTickets
    marks: FakeDeliveryMarks
    breakers: FakeBreakers
    limits: FakeRateLimits
    audit: FakeAuditLog
    seen: FakeSeenMessages
    reports: FakeReports
    my_queries: FakeMyQueries
    nonces: FakeNonces
    channels: FakeChannels = field(init=False)
    funnel: FakeFunnel = field(init=False)
    qr_images: FakeQrImages = field(init=False)


def fake_state(
    clock: FixedClock,
    quotas: QuotaPolicy | None = None,
    codes: CodePolicy | None = None,
    breakers: BreakerPolicy | None = None,
    funnel: FunnelPolicy | None = None,
) -> FakeState:
    memory, funnel = Memory(clock), funnel or FunnelPolicy()
    state = FakeState(
        memory,
        FakeCodes(memory, quotas or QuotaPolicy(), codes or CodePolicy(), funnel=funnel),
        FakeTickets(memory, funnel),
        FakeDeliveryMarks(memory),
        FakeBreakers(memory, breakers or BreakerPolicy()),
        FakeRateLimits(memory),
        FakeAuditLog(memory),
        FakeSeenMessages(memory),
        FakeReports(memory),
        FakeMyQueries(memory),
        FakeNonces(memory),
    )
    state.channels, state.funnel = FakeChannels(memory), FakeFunnel(memory, funnel)
    state.qr_images = FakeQrImages(memory)
    return state
