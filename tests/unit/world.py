"""The unit tests' world: the use cases, each over small fakes of the ports it uses, on a fixed
clock; and the forms and partner answers the tests start from. Fixtures are in
tests/unit/conftest.py."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
from dataclasses import dataclass
from typing import Any

from adapters.sealing import AesGcmSealer
from app.config import Settings
from app.domain.channels import QrKind
from app.domain.hashing import KeyedHasher
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.tickets import Ticket, TicketEnd
from app.ports.identity import PlatformUser
from app.ports.runtime import NoMetrics
from app.services.admin import AdminAccess
from app.services.caller import Caller
from app.services.catalogue import Catalogue
from app.services.channels import ChannelAdmin
from app.services.codes import RequestCode
from app.services.delivery import PlatformNotice, ResultSms, Run
from app.services.fan_out import FanOut
from app.services.login import Login
from app.services.queries import ReadTicket, SubmitQuery
from app.services.run_query import RunQuery
from app.services.sessions import Sessions
from app.wiring.policies import breaker_policy, code_policy, quota_policy
from tests.fakes.clock import FixedClock
from tests.fakes.outside import (
    FakeIdentity,
    FakeNotifier,
    FakePartners,
    FakeQrMaker,
    FakeQueue,
    FakeSms,
)
from tests.fakes.state import FakeState, FakeTickets, fake_state
from tests.unit.registry_data import GUIDANCE, OPERATORS, REG

delivery_module = importlib.import_module("app.services.delivery")

ID = "11010519491231002X"
NAME = "张三"
PHONE = "13800138000"
ALICE = Caller(PlatformUser("wechat", "o-alice"), "203.0.113.7")
BOB = Caller(PlatformUser("alipay", "2088-bob"), "198.51.100.9")
SETTINGS = Settings(sandbox=True, secret_key="x" * 32)
ADMIN_TOKEN = "ops-token-" + "k" * 24


def cards_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "phone_cards",
        "name": NAME,
        "id_number": ID,
        "phone": PHONE,
        "agree": True,
    }
    return {**data, **changes}


def accounts_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "internet_accounts",
        "phone": PHONE,
        "id_last6": "31002X",
        "agree": True,
    }
    return {**data, **changes}


def all_cards(**answers: Any) -> dict[str, Any]:
    base: dict[str, Any] = {o: CardsAnswer(0, "none") for o in OPERATORS}
    base["cmcc"] = CardsAnswer(2, "active")
    return {**base, **answers}


def all_owners(**answers: Any) -> dict[str, Any]:
    base: dict[str, Any] = {o: OwnerAnswer("none", False) for o in OPERATORS}
    base["cucc"] = OwnerAnswer("active", True)
    return {**base, **answers}


def all_counts(**answers: Any) -> dict[str, Any]:
    base: dict[str, Any] = {c.id: {p.id: 1 for p in c.products} for c in REG.companies}
    return {**base, **answers}


@dataclass
class Sealers:
    hasher: KeyedHasher
    form_sealer: AesGcmSealer
    token_sealer: AesGcmSealer


class CrashOnceTickets(FakeTickets):
    """The worker dies after the SMS went out, before the end is recorded."""

    crashed = False

    def finish(self, ticket: Ticket, end: TicketEnd) -> None:
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("worker died")
        super().finish(ticket, end)


@dataclass
class World:
    ctx: Sealers
    state: FakeState
    store: StoreView
    sms: FakeSms
    queue: FakeQueue
    partners: FakePartners
    clock: FixedClock
    notifier: FakeNotifier | None
    sessions: Sessions
    login: Login
    request_code: RequestCode
    submit_query: SubmitQuery
    read_ticket: ReadTicket
    run_query: RunQuery
    catalogue: Catalogue
    channels: ChannelAdmin
    admin: AdminAccess
    qr_makers: dict[QrKind, FakeQrMaker]

    def request(self, data: dict[str, Any], caller: Caller = ALICE) -> Any:
        return self.request_code(caller, data)

    def submit(self, data: dict[str, Any], code: str, caller: Caller = ALICE) -> Any:
        return self.submit_query(caller, {**data, "code": code})

    def accepted(self, data: dict[str, Any], caller: Caller = ALICE) -> str:
        self.request(data, caller)
        return str(self.submit(data, self.sms.last_code(), caller).ticket)

    def run(self, ticket_id: str, run: Run | None = None) -> str | None:
        return asyncio.run(self.run_query(ticket_id, run))

    def phone_h(self, phone: str = PHONE) -> str:
        return self.ctx.hasher.identifier("phone", phone)

    def results(self) -> list[Any]:
        return [s for s in self.sms.sent if not s.template.startswith("code_")]


def make_world(
    sms: FakeSms | None = None,
    partners: FakePartners | None = None,
    notifier: FakeNotifier | None = None,
    crash_once: bool = False,
    **settings_changes: Any,
) -> World:
    settings = dataclasses.replace(SETTINGS, **settings_changes)
    clock = FixedClock()
    state = fake_state(
        clock, quota_policy(settings), code_policy(settings), breaker_policy(settings)
    )
    if crash_once:
        state.tickets = CrashOnceTickets(state.memory)
    sms = sms or FakeSms()
    queue = FakeQueue()
    partners = partners or FakePartners(cards=all_cards(), owners=all_owners(), counts=all_counts())
    secret = settings.secret_key.encode()
    keys = Sealers(
        KeyedHasher(secret),
        AesGcmSealer.from_secret(b"forms-" + secret),
        AesGcmSealer.from_secret(secret),
    )
    sessions = Sessions(keys.token_sealer, clock, settings.session_ttl_s)
    fan_out = FanOut(
        partners, partners, REG, state.breakers, breaker_policy(settings), clock, NoMetrics(),
        settings.query_deadline_s,
    )  # fmt: skip
    result_sms = ResultSms(
        state.marks, sms, queue, keys.form_sealer, clock, settings.sms_retry_window_s
    )
    makers = {kind: FakeQrMaker(kind) for kind in QrKind}
    run_query = RunQuery(
        state.tickets, keys.form_sealer, fan_out, result_sms,
        PlatformNotice(state.marks, notifier, clock), clock, NoMetrics(),
    )  # fmt: skip
    return World(
        ctx=keys,
        state=state,
        store=StoreView(state),
        sms=sms,
        queue=queue,
        partners=partners,
        clock=clock,
        notifier=notifier,
        sessions=sessions,
        login=Login(
            FakeIdentity({"good-code": ALICE.user}),
            state.limits,
            sessions,
            keys.hasher,
            quota_policy(settings).logins,
            state.funnel,
        ),
        request_code=RequestCode(state.codes, sms, keys.hasher, clock, code_policy(settings)),
        submit_query=SubmitQuery(
            state.codes, state.tickets, queue, keys.form_sealer, keys.hasher, clock
        ),
        read_ticket=ReadTicket(state.tickets, keys.hasher),
        run_query=run_query,
        catalogue=Catalogue(REG, GUIDANCE, state.breakers, breaker_policy(settings), clock),
        channels=ChannelAdmin(
            state.channels, state.funnel, dict(makers), state.qr_images, clock, 3600
        ),
        admin=AdminAccess({ADMIN_TOKEN: "ops"}, sessions, state.audit, clock),
        qr_makers=makers,
    )


class StoreView:
    """What the tests look at in the fakes' memory (never what the use cases may see)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self.data = state.memory.data
        self.audit = state.memory.audit

    @property
    def finished(self) -> list[Any]:
        return self._state.tickets.finished

    @property
    def raw_bytes(self) -> bytes:
        return self._state.memory.raw_bytes

    def quota_taken(self, phone_h: str, service: str) -> bool:
        return self._state.codes.quota_taken(phone_h, service)

    def id_quota_taken(self, id_h: str) -> bool:
        return self._state.codes.id_quota_taken(id_h)

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        return self._state.tickets.get(ticket_id)

    def load_form(self, ticket_id: str) -> bytes | None:
        form: bytes | None = self._state.memory.get(f"form:{ticket_id}")
        return form

    def load_pending(self, ticket_id: str) -> bytes | None:
        pending: bytes | None = self._state.memory.get(f"pending:{ticket_id}")
        return pending

    def breaker_states(self, partner_ids: list[str], now: float) -> dict[str, str]:
        records, policy = self._state.breakers.records(), self._state.breakers.policy
        return {
            p: str(policy.state(records[p], now)) if p in records else "closed" for p in partner_ids
        }

    def sms_mark(self, ticket_id: str) -> str:
        return self._state.marks.sms_mark(ticket_id)

    def set_sms_mark(self, ticket_id: str, mark: str) -> None:
        self._state.marks.set_sms_mark(ticket_id, mark)

    def swap_sms_mark(self, ticket_id: str, expected: str, new: str) -> bool:
        return self._state.marks.swap_sms_mark(ticket_id, expected, new)

    def claim_sms(self, ticket_id: str) -> bool:
        return self._state.marks.claim_sms(ticket_id)
