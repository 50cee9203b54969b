"""The quota policy: every limit on asking, its window and what the user reads when it refuses,
and which query outcomes give the 24-hour quota back (product.md, "Rules that protect people").

- The 24-hour rule: one code per phone per service per window, and for 移动电话卡 one per ID
  number, taken when the code is issued. A query that ends `partial` or `unavailable`, or whose
  SMS could not be sent, gives it back; a result, a mismatch and a suspended number use it.
- Abuse limits on code requests: per platform user per day, per client network per hour, and
  all code SMS together per minute (the SMS budget).
- Rate limits: submits per user per hour, logins per client network per minute.

A request refused with 429 counts against no limit. The Lua scripts (adapters/redis_quotas.py)
and the fakes apply this policy with the numbers it gives them; they hold no number of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.outcomes import OutcomeKind
from app.domain.tickets import TicketStatus

DAY_S, HOUR_S, MINUTE_S = 86400, 3600, 60


class Limit(StrEnum):
    PHONE = "phone"  # the 24-hour rule, per phone and service
    ID = "id"  # the 24-hour rule, per ID number (移动电话卡)
    USER = "user"  # code requests per platform user
    IP = "ip"  # code requests per client network
    GLOBAL = "global"  # every code SMS together
    SUBMITS = "submits"  # query submits per platform user
    LOGINS = "logins"  # logins per client network


MESSAGES = {
    Limit.PHONE: "24小时才能获取一次验证码,请稍后再试",
    Limit.ID: "24小时才能获取一次验证码,请稍后再试",
    Limit.USER: "获取验证码次数过多,请明天再试",
    Limit.IP: "当前网络获取验证码过于频繁,请稍后再试",
    Limit.GLOBAL: "当前使用人数较多,请稍后再试",
    Limit.SUBMITS: "操作过于频繁,请稍后再试",
    Limit.LOGINS: "操作过于频繁,请稍后再试",
}
# A result, a mismatch and a suspended number used their query; the others may ask again.
USES_QUOTA = frozenset({OutcomeKind.RESULT, OutcomeKind.MISMATCH, OutcomeKind.NUMBER_INACTIVE})


@dataclass(frozen=True)
class Rule:
    """At most `count` within `window_s` seconds (count 1: once per window)."""

    limit: Limit
    count: int
    window_s: int

    @property
    def message(self) -> str:
        return MESSAGES[self.limit]


@dataclass(frozen=True)
class QuotaPolicy:
    quota_window_s: int = DAY_S  # CODE_QUOTA_WINDOW_S
    codes_per_user_day: int = 5
    codes_per_ip_hour: int = 60
    codes_per_minute: int = 20000  # 0: no ceiling
    submits_per_user_hour: int = 30
    logins_per_ip_minute: int = 60

    @property
    def phone(self) -> Rule:
        return Rule(Limit.PHONE, 1, self.quota_window_s)

    @property
    def id_number(self) -> Rule:
        return Rule(Limit.ID, 1, self.quota_window_s)

    @property
    def user(self) -> Rule:
        return Rule(Limit.USER, self.codes_per_user_day, DAY_S)

    @property
    def ip(self) -> Rule:
        return Rule(Limit.IP, self.codes_per_ip_hour, HOUR_S)

    @property
    def all_codes(self) -> Rule:
        """Counted per clock minute; the counter lives two, so a late reader still finds it."""
        return Rule(Limit.GLOBAL, self.codes_per_minute, MINUTE_S)

    @property
    def submits(self) -> Rule:
        return Rule(Limit.SUBMITS, self.submits_per_user_hour, HOUR_S)

    @property
    def logins(self) -> Rule:
        return Rule(Limit.LOGINS, self.logins_per_ip_minute, MINUTE_S)


def gives_back(outcome: OutcomeKind | None, status: TicketStatus) -> bool:
    """Whether the query's end returns its 24-hour quota: when no result SMS could be sent,
    and when the outcome is one the user could not help (partial, unavailable)."""
    return status is TicketStatus.FAILED or outcome not in USES_QUOTA


def message(limit: Limit | str) -> str:
    return MESSAGES[Limit(limit)]
