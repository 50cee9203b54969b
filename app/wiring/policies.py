"""The domain's policies, with their numbers from Settings (the environment)."""

from __future__ import annotations

from app.config import Settings
from app.domain.breakers import BreakerPolicy
from app.domain.channels import FunnelPolicy
from app.domain.codes import CodePolicy
from app.domain.quotas import QuotaPolicy
from app.domain.reports import ForwardPolicy


def quota_policy(s: Settings) -> QuotaPolicy:
    return QuotaPolicy(
        quota_window_s=s.code_quota_window_s,
        codes_per_user_day=s.code_limit_per_user_day,
        codes_per_ip_hour=s.code_limit_per_ip_hour,
        codes_per_minute=s.code_limit_global_per_minute,
        submits_per_user_hour=s.query_limit_per_user_hour,
        logins_per_ip_minute=s.login_limit_per_ip_minute,
    )


def code_policy(s: Settings) -> CodePolicy:
    return CodePolicy(ttl_s=s.code_ttl_s, max_attempts=s.code_max_attempts)


def breaker_policy(s: Settings) -> BreakerPolicy:
    return BreakerPolicy(threshold=s.breaker_threshold, cooldown_s=s.breaker_cooldown_s)


def forward_policy(s: Settings) -> ForwardPolicy:
    return ForwardPolicy(
        window_s=s.report_forward_window_s,
        first_wait_s=s.report_retry_first_s,
        longest_wait_s=s.report_retry_longest_s,
    )


def funnel_policy(s: Settings) -> FunnelPolicy:
    return FunnelPolicy()  # 400 days (product.md): not a setting
