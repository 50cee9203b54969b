"""The guidance catalogue (解绑与明细查询说明) and the hotline table, checked when the app starts.

Both come from data files (app/data/guides.yaml, app/data/hotlines.yaml) that operators edit.
A flaw in either must stop the app at start with a message that names the file and the entry,
never surface later as a half-empty page. Pure functions over already-parsed data: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.providers import Registry

UNCONFIRMED_PHONE = "待确认"
_PHONE_RE = re.compile(r"^[0-9][0-9-]{2,19}$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Hotline:
    company_id: str  # a provider id from the registry
    company: str  # its display name
    name: str
    phone: str  # UNCONFIRMED_PHONE until confirmed
    confirmed: bool


@dataclass(frozen=True)
class Guide:
    id: str  # the product id, as in the registry and the SMS
    name: str
    company_id: str
    company: str
    category: str
    confirmed: bool  # false: the steps are generic, the app's exact menu path is not verified
    detail_steps: tuple[str, ...]
    unbind_steps: tuple[str, ...]
    hotline: Hotline


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    guides: tuple[Guide, ...]


@dataclass(frozen=True)
class Guidance:
    categories: tuple[Category, ...]
    hotlines: tuple[Hotline, ...]

    def guide(self, product_id: str) -> Guide | None:
        return next((g for c in self.categories for g in c.guides if g.id == product_id), None)


def load_guidance(
    guides: Mapping[str, Any], hotlines: Mapping[str, Any], registry: Registry
) -> Guidance:
    """Build and check both files' content against the provider registry."""
    table = load_hotlines(hotlines, registry)
    by_name = {h.name: h for h in table}
    categories = _list(guides, "categories", "guides.yaml")
    parsed = tuple(_category(c, registry, by_name) for c in categories)
    _check_coverage(parsed, registry)
    return Guidance(parsed, table)


def load_hotlines(data: Mapping[str, Any], registry: Registry) -> tuple[Hotline, ...]:
    entries = _list(data, "hotlines", "hotlines.yaml")
    names = {p.id: p.name for p in registry.partners}
    table = tuple(_hotline(entry, names) for entry in entries)
    seen = [h.name for h in table]
    if len(seen) != len(set(seen)):
        raise CatalogueError("hotlines.yaml: hotline names must be unique")
    return table


def _hotline(entry: Any, names: Mapping[str, str]) -> Hotline:
    where = f"hotlines.yaml: {_label(entry)}"
    _require_mapping(entry, where)
    company, name = _text(entry, "company", where), _text(entry, "name", where)
    phone, confirmed = entry.get("phone"), entry.get("confirmed")
    if company not in names:
        raise CatalogueError(f"{where}: company {company!r} is not a provider in the registry")
    if not isinstance(confirmed, bool) or not isinstance(phone, str):
        raise CatalogueError(f"{where}: phone must be text and confirmed true or false")
    if confirmed and not _PHONE_RE.match(phone):
        raise CatalogueError(f"{where}: a confirmed hotline needs a phone of digits and dashes")
    if not confirmed:
        phone = UNCONFIRMED_PHONE  # never show an unchecked number as if it were one
    return Hotline(company, names[company], name, phone, confirmed)


def _category(entry: Any, registry: Registry, hotlines: Mapping[str, Hotline]) -> Category:
    where = f"guides.yaml: category {_label(entry)}"
    _require_mapping(entry, where)
    category_id, name = _text(entry, "id", where), _text(entry, "name", where)
    if not _ID_RE.match(category_id):
        raise CatalogueError(f"{where}: id must be lower-case letters, digits and _")
    products = _list(entry, "products", where)
    return Category(category_id, name, tuple(_guide(p, name, registry, hotlines) for p in products))


def _guide(entry: Any, category: str, registry: Registry, hotlines: Mapping[str, Hotline]) -> Guide:
    where = f"guides.yaml: product {_label(entry)}"
    _require_mapping(entry, where)
    product_id = _text(entry, "id", where)
    owner = next((c for c in registry.companies for p in c.products if p.id == product_id), None)
    if owner is None:
        raise CatalogueError(f"{where}: not a product of any company in the registry")
    hotline = hotlines.get(_text(entry, "hotline", where))
    if hotline is None:
        raise CatalogueError(f"{where}: hotline must be the name of an entry in hotlines.yaml")
    if not isinstance(entry.get("confirmed"), bool):
        raise CatalogueError(f"{where}: confirmed must be true or false")
    return Guide(
        id=product_id,
        name=next(p.name for p in owner.products if p.id == product_id),
        company_id=owner.id,
        company=owner.name,
        category=category,
        confirmed=entry["confirmed"],
        detail_steps=_steps(entry, "detail_steps", where),
        unbind_steps=_steps(entry, "unbind_steps", where),
        hotline=hotline,
    )


def _check_coverage(categories: Sequence[Category], registry: Registry) -> None:
    listed = [g.id for c in categories for g in c.guides]
    if len(listed) != len(set(listed)):
        raise CatalogueError("guides.yaml: each product may appear only once")
    missing = [p.id for p in registry.products if p.id not in listed]
    if missing:
        raise CatalogueError(f"guides.yaml: no guidance for products {missing}")
    ids = [c.id for c in categories]
    if len(ids) != len(set(ids)):
        raise CatalogueError("guides.yaml: category ids must be unique")


def _steps(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    steps = entry.get(key)
    if not isinstance(steps, list) or not steps:
        raise CatalogueError(f"{where}: {key} must be a non-empty list of texts")
    if not all(isinstance(s, str) and s.strip() for s in steps):
        raise CatalogueError(f"{where}: every step in {key} must be a non-empty text")
    return tuple(s.strip() for s in steps)


def _list(data: Any, key: str, where: str) -> list[Any]:
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{where}: expected a non-empty list `{key}`")
    return value


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: `{key}` must be a non-empty text")
    return value.strip()


def _require_mapping(entry: Any, where: str) -> None:
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"{where}: each entry must be a mapping")


def _label(entry: Any) -> str:
    if isinstance(entry, Mapping):
        return str(entry.get("id") or entry.get("name") or "?")
    return repr(entry)[:40]
