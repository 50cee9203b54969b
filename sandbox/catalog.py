"""What the sandbox emulates: partners from the provider registry, SMS templates from notices/."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Emulated platforms that are not in the provider registry but take faults.
PLATFORMS = ("sms", "wechat", "alipay")


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    text: str
    placeholders: frozenset[str]
    kind: str = "notification"  # as registered: verification (验证码) or notification


@dataclass(frozen=True)
class Catalog:
    operators: dict[str, str]  # operator id -> kind (basic | mvno)
    companies: dict[str, frozenset[str]]  # company id -> its product ids
    sms_signature: str
    sms_templates: dict[str, SmsTemplate]  # sandbox template code -> template
    batch: dict[str, int]  # partner id -> most queries per batch request; absent: no batch

    @property
    def partners(self) -> frozenset[str]:
        return frozenset(self.operators) | frozenset(self.companies)

    @property
    def products(self) -> frozenset[str]:
        return frozenset().union(*self.companies.values())

    def fault_targets(self) -> frozenset[str]:
        return frozenset(self.operators) | frozenset(self.companies) | frozenset(PLATFORMS)


def _load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{path}: expected a mapping")
    return data


def placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def load_catalog(providers_path: Path, templates_path: Path) -> Catalog:
    providers = _load_yaml(providers_path)
    operators = {str(op["id"]): str(op.get("kind", "basic")) for op in providers["operators"]}
    companies = {
        str(c["id"]): frozenset(str(p["id"]) for p in c.get("products", []))
        for c in providers["companies"]
    }
    batch = {
        str(entry["id"]): int(entry["batch"])
        for entry in (*providers["operators"], *providers["companies"])
        if entry.get("batch")
    }
    raw_templates = _load_yaml(templates_path)
    templates: dict[str, SmsTemplate] = {}
    for name, spec in raw_templates["templates"].items():
        code = str(spec["ids"]["sandbox"])
        text = str(spec["text"])
        kind = str(spec.get("kind", "notification"))
        templates[code] = SmsTemplate(str(name), text, placeholders(text), kind)
    return Catalog(
        operators=operators,
        companies=companies,
        sms_signature=str(raw_templates.get("signature", "")),
        sms_templates=templates,
        batch=batch,
    )
