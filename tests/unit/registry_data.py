"""The provider registry of app/data/providers.yaml (sandbox operators included), its guidance,
and answers of every partner that tests start from."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from app.domain.guides import Guidance, load_guidance
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_DATA: dict[str, Any] = yaml.safe_load(
    (ROOT / "app" / "data" / "providers.yaml").read_text(encoding="utf-8")
)


def registry() -> Registry:
    return load_registry(copy.deepcopy(REGISTRY_DATA), include_sandbox_only=True)


REG = registry()
GUIDANCE: Guidance = load_guidance(
    yaml.safe_load((ROOT / "app" / "data" / "guides.yaml").read_text(encoding="utf-8")),
    yaml.safe_load((ROOT / "app" / "data" / "hotlines.yaml").read_text(encoding="utf-8")),
    REG,
)
OPERATORS = [o.id for o in REG.operators]
COMPANIES = [c.id for c in REG.companies]


def cards(**answers: CardsAnswer | None) -> dict[str, CardsAnswer | None]:
    """Every operator answers 0 cards and phone 'none', except as given."""
    base: dict[str, CardsAnswer | None] = {o: CardsAnswer(0, "none") for o in OPERATORS}
    base.update(answers)
    return base


def owners(**answers: OwnerAnswer | None) -> dict[str, OwnerAnswer | None]:
    base: dict[str, OwnerAnswer | None] = {o: OwnerAnswer("none", False) for o in OPERATORS}
    base.update(answers)
    return base


def counts(**answers: dict[str, int] | None) -> dict[str, dict[str, int] | None]:
    base: dict[str, dict[str, int] | None] = {
        c.id: {p.id: 1 for p in c.products} for c in REG.companies
    }
    base.update(answers)
    return base
