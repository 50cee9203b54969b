"""Use cases: the service catalogue (with each provider's live status) and the guidance.

A provider is `degraded` while its circuit breaker is open; a half-open breaker is probing and
shows `available` again (api.md). The virtual network operators are shown as one provider,
转售企业 (`mvno`), exactly as the SMS counts them; its members carry their own status.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.breakers import CLEAN, BreakerPolicy, BreakerState
from app.domain.errors import NotFound
from app.domain.form_fields import DESCRIPTIONS, FORM_FIELDS, FieldSpec
from app.domain.forms import Service
from app.domain.guides import Guidance, Guide, Hotline
from app.domain.providers import MVNO_GROUP, MVNO_SHORT_NAME, Partner, Product, Registry
from app.ports.runtime import Clock
from app.ports.state import Breakers

AVAILABLE, DEGRADED = "available", "degraded"


@dataclass(frozen=True)
class ProviderView:
    id: str
    name: str
    status: str
    products: tuple[Product, ...] = ()
    members: tuple[ProviderView, ...] = ()  # the virtual network operators inside 转售企业


@dataclass(frozen=True)
class ServiceView:
    id: str
    name: str
    description: str
    fields: tuple[FieldSpec, ...]
    providers: tuple[ProviderView, ...]


@dataclass(frozen=True)
class Catalogue:
    registry: Registry
    guidance: Guidance  # 解绑与明细查询说明 and hotlines, checked at start
    breakers: Breakers
    policy: BreakerPolicy
    clock: Clock

    def services(self) -> tuple[ServiceView, ...]:
        states = self.breaker_states()
        degraded = {partner for partner, state in states.items() if state is BreakerState.OPEN}
        return (
            _service(Service.PHONE_CARDS, self._operators(degraded)),
            _service(
                Service.INTERNET_ACCOUNTS,
                tuple(_view(c, degraded, c.products) for c in self.registry.companies),
            ),
        )

    def _operators(self, degraded: set[str]) -> tuple[ProviderView, ...]:
        operators = self.registry.operators
        basic = [_view(o, degraded) for o in operators if o.kind == "basic"]
        mvnos = tuple(_view(o, degraded) for o in operators if o.kind == "mvno")
        if not mvnos:
            return tuple(basic)
        # Any silent virtual operator makes the SMS's 转售企业 column "-": the group shows it too.
        status = DEGRADED if any(m.status == DEGRADED for m in mvnos) else AVAILABLE
        return (*basic, ProviderView(MVNO_GROUP, MVNO_SHORT_NAME, status, members=mvnos))

    def breaker_states(self) -> dict[str, BreakerState]:
        records, now = self.breakers.records(), self.clock.now()
        return {
            p.id: self.policy.state(records.get(p.id, CLEAN), now) for p in self.registry.partners
        }

    def guide(self, product_id: str) -> Guide:
        found = self.guidance.guide(product_id)
        if found is None:
            raise NotFound("未找到该产品的说明")
        return found

    @property
    def hotlines(self) -> tuple[Hotline, ...]:
        return self.guidance.hotlines


def _view(partner: Partner, degraded: set[str], products: tuple[Product, ...] = ()) -> ProviderView:
    status = DEGRADED if partner.id in degraded else AVAILABLE
    return ProviderView(partner.id, partner.name, status, products)


def _service(service: Service, providers: tuple[ProviderView, ...]) -> ServiceView:
    return ServiceView(
        str(service), service.display_name, DESCRIPTIONS[service], FORM_FIELDS[service], providers
    )
