"""Settings from the environment: sandbox defaults, overrides and refusals."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from app import secret_rules
from app.config import ROOT, SANDBOX_ADMIN_TOKENS, SANDBOX_SECRET_KEY, ConfigError, Settings

# Made at run time: a secret written in this file would be printed in the repository.
PRODUCTION = {"SECRET_KEY": secrets.token_urlsafe(32), "PUBLIC_URL": "https://yzt.example.gov.cn"}


def test_sandbox_defaults_point_everything_at_the_sandbox() -> None:
    s = Settings.from_env({"SANDBOX": "1", "SANDBOX_PORT": "9001", "PORT": "9000"})
    assert s.sms_endpoint == "http://127.0.0.1:9001/sms/v1/send"
    assert s.alipay_gateway == "http://127.0.0.1:9001/gateway.do"
    assert s.public_url == "http://127.0.0.1:9000"
    assert s.partner_secret("cmcc", "PARTNER_SECRET_CMCC") == b"sandbox-secret-cmcc"


def test_the_environment_wins_over_sandbox_defaults() -> None:
    s = Settings.from_env(
        {"SANDBOX": "1", "CODE_QUOTA_WINDOW_S": "60", "PUBLIC_URL": "https://x.example"}
    )
    assert s.code_quota_window_s == 60 and s.public_url == "https://x.example"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PUBLIC_URL"])
def test_production_needs_a_secret_key_and_a_public_url(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        Settings.from_env(env)


def test_production_refuses_a_missing_partner_secret() -> None:
    s = Settings.from_env(PRODUCTION)
    with pytest.raises(ConfigError, match="PARTNER_SECRET_CMCC"):
        s.partner_secret("cmcc", "PARTNER_SECRET_CMCC")


def test_a_number_setting_must_be_a_number() -> None:
    with pytest.raises(ConfigError, match="CODE_TTL_S"):
        Settings.from_env({**PRODUCTION, "CODE_TTL_S": "five minutes"})


@pytest.mark.parametrize("window", ["-1", "1001"])
def test_the_batch_window_is_milliseconds(window: str) -> None:
    with pytest.raises(ConfigError, match="PARTNER_BATCH_WINDOW_MS"):
        Settings.from_env({"SANDBOX": "1", "PARTNER_BATCH_WINDOW_MS": window})


def test_batching_can_be_turned_off() -> None:
    s = Settings.from_env({"SANDBOX": "1", "PARTNER_BATCHING": "0"})
    assert s.partner_batching is False and s.partner_batch_window_ms == 5.0


def deploy_example_secret() -> str:
    text = (ROOT / "deploy" / "yzt.env.example").read_text(encoding="utf-8")
    return next(
        line.split("=", 1)[1] for line in text.splitlines() if line.startswith("SECRET_KEY=")
    )


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (SANDBOX_SECRET_KEY, "a sandbox default"),
        (deploy_example_secret(), "printed in the repository"),  # the deploy placeholder
        ("a" * 16, "shorter than 32"),
        ("a" * 40, "fewer than 10 distinct"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "fewer than 10 distinct"),
        (secrets.token_hex(8), "shorter than 32"),
    ],
)
def test_production_refuses_known_or_weak_secret_keys(secret: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"SECRET_KEY .*{problem}"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": secret})


def test_a_secret_printed_in_the_readme_docs_or_deploy_is_refused(tmp_path: Path) -> None:
    printed = secrets.token_urlsafe(32)
    for place in ("README.md", "docs/design.md", "deploy/yzt.env.example"):
        root = tmp_path / place.replace("/", "_")
        (root / place).parent.mkdir(parents=True)
        (root / place).write_text(f"SECRET_KEY={printed}\n", encoding="utf-8")
        assert "printed in the repository" in str(secret_rules.weakness(printed, frozenset(), root))
    assert secret_rules.weakness(secrets.token_urlsafe(32), frozenset(), ROOT) is None


def test_the_scan_reads_the_readme_the_docs_and_the_deploy_examples() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in secret_rules.text_files(ROOT)}
    assert {"README.md", "docs/design.md", "deploy/yzt.env.example", "app/config.py"} <= scanned
    assert not any(name.startswith((".venv/", ".git/", "var/")) for name in scanned)


@pytest.mark.parametrize(
    "tokens",
    [
        SANDBOX_ADMIN_TOKENS,
        "ops:short",
        f"ops:{'x' * 40}",
        f"ops:{secrets.token_urlsafe(32)},bad name:{secrets.token_urlsafe(32)}",
    ],
)
def test_production_refuses_weak_or_malformed_admin_tokens(tokens: str) -> None:
    with pytest.raises(ConfigError, match="ADMIN_TOKENS"):
        Settings.from_env({**PRODUCTION, "ADMIN_TOKENS": tokens})


def test_weak_seal_keys_and_metrics_token_are_refused_too() -> None:
    with pytest.raises(ConfigError, match="FORM_SEAL_KEYS"):
        Settings.from_env({**PRODUCTION, "FORM_SEAL_KEYS": "2:too-short"})
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        Settings.from_env({**PRODUCTION, "METRICS_TOKEN": "prometheus"})


def test_strong_production_secrets_start() -> None:
    token = secrets.token_urlsafe(32)
    settings = Settings.from_env(
        {**PRODUCTION, "ADMIN_TOKENS": f"ops:{token}", "METRICS_TOKEN": secrets.token_hex(24)}
    )
    assert settings.admin_token_map() == {token: "ops"}


def test_the_sandbox_keeps_its_defaults() -> None:
    settings = Settings.from_env({"SANDBOX": "1"})
    assert settings.secret_key == SANDBOX_SECRET_KEY
