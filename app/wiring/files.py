"""The data files: read once, checked at start, so a flaw stops the process with a message that
names the file, never a half-empty page later."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.config import ConfigError, Settings
from app.domain.guides import CatalogueError, Guidance, load_guidance
from app.domain.providers import Registry, load_registry
from notices.sms import TEMPLATES_FILE, Templates, check_code_templates, templates_from


@cache
def read_yaml(path: str) -> Any:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def registry(settings: Settings) -> Registry:
    return load_registry(read_yaml(settings.providers_file), settings.sandbox)


def guidance(settings: Settings, providers: Registry) -> Guidance:
    """解绑与明细查询说明 and the hotlines."""
    try:
        guides, hotlines = read_yaml(settings.guides_file), read_yaml(settings.hotlines_file)
        return load_guidance(guides, hotlines, providers)
    except (OSError, yaml.YAMLError, CatalogueError) as exc:
        raise ConfigError(f"guidance data files: {exc}") from exc


def load_templates(path: Path = TEMPLATES_FILE, signature: str | None = None) -> Templates:
    return templates_from(read_yaml(str(path)), signature)


def templates(settings: Settings) -> Templates:
    """The registered templates; a code template that does not fit CODE_TTL_S stops the start."""
    path = Path(settings.sms_templates_file) if settings.sms_templates_file else TEMPLATES_FILE
    loaded = load_templates(path, signature=settings.sms_signature)
    try:
        check_code_templates(loaded, settings.code_ttl_s)
    except ValueError as exc:
        raise ConfigError(f"SMS templates ({path.name}): {exc}") from None
    return loaded


def operator_hotlines(settings: Settings, providers: Registry) -> dict[str, str]:
    """Each operator's confirmed hotline, for the answers to reports (report_closed ...)."""
    found: dict[str, str] = {}
    for line in guidance(settings, providers).hotlines:
        if line.confirmed and line.phone:
            found.setdefault(line.company_id, line.phone)
    return {o.id: found[o.id] for o in providers.operators if o.id in found}
