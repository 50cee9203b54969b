"""Use cases: the service catalogue (with each provider's live status) and the guidance.

A provider is `degraded` while its circuit breaker is open; a half-open breaker is probing and
shows `available` again (api.md). The virtual network operators are shown as one provider,
转售企业 (`mvno`), exactly as the SMS counts them; its members carry their own status.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import NotFound
from app.domain.form_fields import DESCRIPTIONS, FORM_FIELDS, FieldSpec
from app.domain.forms import Service
from app.domain.guides import Guidance, Guide, Hotline
from app.domain.providers import MVNO_GROUP, MVNO_SHORT_NAME, Partner, Product
from app.services.context import Context

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


def list_services(ctx: Context) -> tuple[ServiceView, ...]:
    registry = ctx.registry
    states = ctx.store.breaker_states([p.id for p in registry.partners], ctx.clock.now())
    degraded = {partner for partner, state in states.items() if state == "open"}
    return (
        _service(Service.PHONE_CARDS, _operators(ctx, degraded)),
        _service(
            Service.INTERNET_ACCOUNTS,
            tuple(_view(c, degraded, c.products) for c in registry.companies),
        ),
    )


def _operators(ctx: Context, degraded: set[str]) -> tuple[ProviderView, ...]:
    basic = [_view(o, degraded) for o in ctx.registry.operators if o.kind == "basic"]
    mvnos = tuple(_view(o, degraded) for o in ctx.registry.operators if o.kind == "mvno")
    if not mvnos:
        return tuple(basic)
    # Any silent virtual operator makes the SMS's 转售企业 column "-": the group shows it too.
    status = DEGRADED if any(m.status == DEGRADED for m in mvnos) else AVAILABLE
    return (*basic, ProviderView(MVNO_GROUP, MVNO_SHORT_NAME, status, members=mvnos))


def _view(partner: Partner, degraded: set[str], products: tuple[Product, ...] = ()) -> ProviderView:
    status = DEGRADED if partner.id in degraded else AVAILABLE
    return ProviderView(partner.id, partner.name, status, products)


def _service(service: Service, providers: tuple[ProviderView, ...]) -> ServiceView:
    return ServiceView(
        str(service), service.display_name, DESCRIPTIONS[service], FORM_FIELDS[service], providers
    )


def guidance(ctx: Context) -> Guidance:
    assert ctx.guidance is not None, "bootstrap loads the guidance with the context"
    return ctx.guidance


def find_guide(ctx: Context, product_id: str) -> Guide:
    found = guidance(ctx).guide(product_id)
    if found is None:
        raise NotFound("未找到该产品的说明")
    return found


def hotlines(ctx: Context) -> tuple[Hotline, ...]:
    return guidance(ctx).hotlines
