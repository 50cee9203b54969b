"""The unit tests' world: the use cases' Context over small fakes of the ports, a fixed clock,
and the forms and partner answers the tests start from. Fixtures are in tests/unit/conftest.py."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
from dataclasses import dataclass
from typing import Any

from adapters.sealing import AesGcmSealer
from app.config import Settings
from app.domain.hashing import KeyedHasher
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.ports import PlatformUser
from app.services.codes import request_code
from app.services.context import Caller, Context
from app.services.queries import submit_query
from app.services.run_query import run_query
from notices.sms import load_templates
from tests.fakes import FakeIdentity, FakePartners, FakeQueue, FakeSms, FakeStore, FixedClock
from tests.unit.test_outcomes import OPERATORS, REG

run_query_module = importlib.import_module("app.services.delivery")

ID = "11010519491231002X"
NAME = "张三"
PHONE = "13800138000"
ALICE = Caller(PlatformUser("wechat", "o-alice"), "203.0.113.7")
BOB = Caller(PlatformUser("alipay", "2088-bob"), "198.51.100.9")
SETTINGS = Settings(sandbox=True, secret_key="x" * 32)


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
class World:
    ctx: Context
    store: FakeStore
    sms: FakeSms
    queue: FakeQueue
    partners: FakePartners
    clock: FixedClock

    def request(self, data: dict[str, Any], caller: Caller = ALICE) -> Any:
        return request_code(self.ctx, caller, data)

    def submit(self, data: dict[str, Any], code: str, caller: Caller = ALICE) -> Any:
        return submit_query(self.ctx, caller, {**data, "code": code})

    def accepted(self, data: dict[str, Any], caller: Caller = ALICE) -> str:
        self.request(data, caller)
        return str(self.submit(data, self.sms.last_code(), caller).ticket)

    def run(self, ticket_id: str) -> str | None:
        return asyncio.run(run_query(self.ctx, ticket_id))

    def phone_h(self, phone: str = PHONE) -> str:
        return self.ctx.hasher.identifier("phone", phone)

    def results(self) -> list[Any]:
        return [s for s in self.sms.sent if not s.template.startswith("code_")]


def make_world(
    sms: FakeSms | None = None,
    partners: FakePartners | None = None,
    store_class: type[FakeStore] = FakeStore,
    **settings_changes: Any,
) -> World:
    settings = dataclasses.replace(SETTINGS, **settings_changes)
    clock = FixedClock()
    store = store_class(clock)
    sms = sms or FakeSms()
    queue = FakeQueue()
    partners = partners or FakePartners(cards=all_cards(), owners=all_owners(), counts=all_counts())
    ctx = Context(
        settings=settings,
        registry=REG,
        store=store,
        hasher=KeyedHasher(settings.secret_key.encode()),
        token_sealer=AesGcmSealer.from_secret(settings.secret_key.encode()),
        form_sealer=AesGcmSealer.from_secret(b"forms-" + settings.secret_key.encode()),
        sms=sms,
        templates=load_templates(),
        identity=FakeIdentity({"good-code": ALICE.user}),
        queue=queue,
        clock=clock,
        operators=partners,
        platforms=partners,
    )
    return World(ctx, store, sms, queue, partners, clock)
