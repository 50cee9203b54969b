"""The provider registry: operators and internet companies, validated when the app starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BASIC_OPERATORS = ("cmcc", "cucc", "ctcc", "cbn")
MVNO_GROUP = "mvno"
MVNO_SHORT_NAME = "转售企业"
MAX_BATCH = 500  # queries in one batch request: a bound on the body and on one failure's reach


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Partner:
    """Anything we call with the partner protocol."""

    id: str
    name: str
    endpoint: str
    secret_env: str
    # the most queries one batch request may carry; 0: no batch endpoint
    batch: int = field(default=0, kw_only=True)


@dataclass(frozen=True)
class Operator(Partner):
    kind: str  # basic | mvno

    @property
    def group(self) -> str:
        """The SMS column this operator's cards count in."""
        return self.id if self.kind == "basic" else MVNO_GROUP

    @property
    def short_name(self) -> str:
        return self.name if self.kind == "basic" else MVNO_SHORT_NAME


@dataclass(frozen=True)
class Product:
    id: str
    name: str


@dataclass(frozen=True)
class Company(Partner):
    products: tuple[Product, ...]

    @property
    def short_name(self) -> str:
        """How the SMS names the company when it cannot answer: its products."""
        return "、".join(p.name for p in self.products)


@dataclass(frozen=True)
class Registry:
    operators: tuple[Operator, ...]
    companies: tuple[Company, ...]

    @property
    def products(self) -> tuple[Product, ...]:
        return tuple(p for c in self.companies for p in c.products)

    @property
    def partners(self) -> tuple[Partner, ...]:
        return (*self.operators, *self.companies)


def load_registry(data: Mapping[str, Any], include_sandbox_only: bool) -> Registry:
    """Build the registry from its data file's content; raise RegistryError on any flaw."""
    try:
        operators = tuple(
            Operator(
                id=o["id"],
                name=o["name"],
                kind=o["kind"],
                endpoint=o["endpoint"],
                secret_env=o["secret_env"],
                batch=o.get("batch", 0),
            )
            for o in data["operators"]
            if include_sandbox_only or not o.get("sandbox_only")
        )
        companies = tuple(
            Company(
                id=c["id"],
                name=c["name"],
                endpoint=c["endpoint"],
                secret_env=c["secret_env"],
                batch=c.get("batch", 0),
                products=tuple(Product(p["id"], p["name"]) for p in c["products"]),
            )
            for c in data["companies"]
        )
    except (KeyError, TypeError) as exc:
        raise RegistryError(f"provider registry entry is missing {exc}") from exc
    registry = Registry(operators, companies)
    _check(registry)
    return registry


def _check(registry: Registry) -> None:
    ids = [p.id for p in registry.partners]
    if len(ids) != len(set(ids)):
        raise RegistryError("provider ids must be unique")
    product_ids = [p.id for p in registry.products]
    if len(product_ids) != len(set(product_ids)):
        raise RegistryError("product ids must be unique")
    for operator in registry.operators:
        if operator.kind not in ("basic", "mvno"):
            raise RegistryError(f"operator {operator.id}: kind must be basic or mvno")
        if operator.kind == "basic" and operator.id not in BASIC_OPERATORS:
            raise RegistryError(f"operator {operator.id}: unknown basic operator")
    missing = set(BASIC_OPERATORS) - {o.id for o in registry.operators}
    if missing:
        raise RegistryError(f"basic operators missing: {sorted(missing)}")
    for partner in registry.partners:
        batch = partner.batch
        if not isinstance(batch, int) or isinstance(batch, bool) or not 0 <= batch <= MAX_BATCH:
            raise RegistryError(f"{partner.id}: batch must be a whole number from 0 to {MAX_BATCH}")
    if not all(c.products for c in registry.companies):
        raise RegistryError("every company needs at least one product")
