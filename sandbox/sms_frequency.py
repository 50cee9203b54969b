"""Per-number sending limits, as each provider applies them by default.

Off unless asked for (api.md: tests and demos send many messages to one number): turn them on
with SANDBOX_SMS_FREQUENCY=on, or at run time with `PUT /_sandbox/sms/frequency`
{"enabled": true, "limits": {"tencent.daily": 10}}, where a limit overrides a rule's maximum and
0 switches that rule off. Only accepted messages count, as at the providers.

Sources (each provider's default policy):
- Alibaba Cloud, 什么是短信发送流控限制 (help.aliyun.com/document_detail/2881383.html): 验证码, same
  signature and number: 1 a minute, 5 an hour, 10 a day (a rolling 24 hours); 通知, same signature,
  template and number: 50 a day. The answer is isv.BUSINESS_LIMIT_CONTROL with the message
  "触发分钟级流控Permits:1" (…小时级…5, …天级…10), as quoted by users of the API.
- Tencent Cloud, Security FAQ (tencentcloud.com/document/product/382/13303, 2024-05-27): the same
  content to one number at most once in 30 s, and 2 messages a calendar day. The Chinese FAQ
  says 10 a day: uncertain, so `tencent.daily` is the setting to change. Codes from the SendSms
  errors (cloud.tencent.com/document/api/382/55981): LimitExceeded.PhoneNumberThirtySecondLimit
  and LimitExceeded.PhoneNumberDailyLimit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from sandbox.sms_rules import NOTIFICATION, VERIFICATION

CHINA = timezone(timedelta(hours=8))
DAY_S = 86400
BOTH = frozenset({VERIFICATION, NOTIFICATION})


@dataclass(frozen=True)
class Rule:
    name: str  # <provider>.<rule>, the key of an override
    limit: int
    window_s: int  # 0: the calendar day in China time
    same: str  # what two messages share to count together: signature | template | content | any
    kinds: frozenset[str]
    code: str
    message: str

    @property
    def provider(self) -> str:
        return self.name.split(".", 1)[0]


def _aliyun_like(provider: str, code: str) -> tuple[Rule, ...]:
    code_only = frozenset({VERIFICATION})
    return (
        Rule(f"{provider}.minute", 1, 60, "signature", code_only, code, "触发分钟级流控Permits:1"),
        Rule(f"{provider}.hour", 5, 3600, "signature", code_only, code, "触发小时级流控Permits:5"),
        Rule(f"{provider}.day", 10, DAY_S, "signature", code_only, code, "触发天级流控Permits:10"),
        Rule(
            f"{provider}.notice_day",
            50,
            DAY_S,
            "template",
            frozenset({NOTIFICATION}),
            code,
            "触发天级流控Permits:50",
        ),
    )


DEFAULTS: tuple[Rule, ...] = (
    *_aliyun_like("aliyun", "isv.BUSINESS_LIMIT_CONTROL"),
    *_aliyun_like("sandbox", "rate_limited"),  # the sandbox gateway plays a gateway like Alibaba
    Rule(
        "tencent.thirty_seconds",
        1,
        30,
        "content",
        BOTH,
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "单个手机号30秒内下发短信条数超过设定的上限",
    ),
    Rule(
        "tencent.daily",
        2,
        0,
        "any",
        BOTH,
        "LimitExceeded.PhoneNumberDailyLimit",
        "单个手机号日下发短信条数超过设定的上限",
    ),
)


@dataclass(frozen=True)
class Sent:
    at: float
    kind: str
    keys: Mapping[str, str]  # signature, template, content -> the value that groups messages


@dataclass
class Frequency:
    """The policy in force, and what each number was sent (kept only while it is on)."""

    enabled: bool = False
    rules: tuple[Rule, ...] = DEFAULTS
    sent: dict[tuple[str, str], deque[Sent]] = field(default_factory=dict)

    def configure(self, enabled: bool, limits: Mapping[str, int]) -> str | None:
        """Apply a policy; the name of an unknown rule when there is one."""
        known = {rule.name for rule in DEFAULTS}
        unknown = sorted(set(limits) - known)
        if unknown:
            return unknown[0]
        self.enabled = enabled
        self.rules = tuple(replace(r, limit=limits.get(r.name, r.limit)) for r in DEFAULTS)
        self.sent.clear()
        return None

    def refusal(
        self, provider: str, phone: str, kind: str, keys: Mapping[str, str], now: float
    ) -> Rule | None:
        """The first rule this message would break, or None."""
        if not self.enabled:
            return None
        history = self.sent.get((provider, phone), deque())
        for rule in self.rules:
            if rule.provider != provider or rule.limit <= 0 or kind not in rule.kinds:
                continue
            since = _window_start(rule, now)
            count = sum(1 for sent in history if sent.at > since and _together(rule, sent, keys))
            if count >= rule.limit:
                return rule
        return None

    def record(
        self, provider: str, phone: str, kind: str, keys: Mapping[str, str], now: float
    ) -> None:
        if not self.enabled:
            return
        history = self.sent.setdefault((provider, phone), deque())
        history.append(Sent(now, kind, dict(keys)))
        while history and history[0].at <= now - DAY_S:
            history.popleft()

    def describe(self) -> dict[str, object]:
        return {"enabled": self.enabled, "limits": {r.name: r.limit for r in self.rules}}


def _together(rule: Rule, sent: Sent, keys: Mapping[str, str]) -> bool:
    """Whether an earlier message counts against this rule for the new one."""
    if sent.kind not in rule.kinds:
        return False
    return rule.same == "any" or sent.keys[rule.same] == keys[rule.same]


def _window_start(rule: Rule, now: float) -> float:
    if rule.window_s:
        return now - rule.window_s
    midnight = datetime.fromtimestamp(now, CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp() - 1e-6  # a message at 00:00:00 counts for the new day


def retry_after(rule: Rule, now: float) -> int:
    """About when the number may receive again: the rule's window, or the next China midnight."""
    if rule.window_s:
        return rule.window_s
    return max(1, int(_window_start(rule, now) + DAY_S - now) + 1)
