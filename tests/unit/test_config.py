"""Settings from the environment: sandbox defaults, overrides and refusals."""

from __future__ import annotations

import pytest

from app.config import ConfigError, Settings

PRODUCTION = {"SECRET_KEY": "p" * 32, "PUBLIC_URL": "https://yzt.example.gov.cn"}


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
