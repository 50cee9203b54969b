"""Start-up refusals of settings that the registered SMS templates contradict."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.config import ConfigError, Settings
from app.wiring import files

SANDBOX = Settings.from_env({"SANDBOX": "1"})


def test_the_registered_code_templates_fit_the_default_code_ttl() -> None:
    templates = files.templates(SANDBOX)
    assert templates.placeholders("code_phone_cards") == {"code"}


def test_a_code_ttl_the_registered_templates_do_not_say_stops_the_start() -> None:
    # the templates say "5分钟": a 10-minute code needs templates registered with that text
    with pytest.raises(ConfigError, match="CODE_TTL_S=600"):
        files.templates(replace(SANDBOX, code_ttl_s=600))
