"""What each mainland SMS provider accepts in a registered template and its variables.

The sandbox holds its own copy of these rules, apart from notices/ on purpose: it plays the
provider, so it must not trust the app's idea of what the provider allows. Sources:
- Alibaba Cloud, 验证码模板规范 (help.aliyun.com/document_detail/463237.htm): a 验证码 template has
  one variable, 4-6 characters; "仅数字" (numberCaptcha) is what we register. Its content must
  name 验证码、注册码、校验码 or 动态码 (document_detail/2806243.html). A value that is not
  [a-zA-Z0-9] answers isv.TEMPLATE_PARAMS_ILLEGAL (zh/document_detail/3041842.html).
  Notification variables: 1-35 characters since 2018 (product.md; not confirmed on a live page).
- Tencent Cloud, 正文模板审核标准 (cloud.tencent.com/document/product/382/39023): in a 验证码
  template each variable is at most 6 pure digits; the length of other variables is "以控制台为准",
  so it is a setting here (SANDBOX_TENCENT_MAX_PARAM_CHARS, default 6). Tencent classes a template
  by its content: one that names 验证码 is a verification template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VERIFICATION = "verification"
NOTIFICATION = "notification"
# a template whose content says any of these is a 验证码 template, whatever it was registered as
CODE_WORDS = ("验证码", "注册码", "校验码", "动态码")


@dataclass(frozen=True)
class TemplateRules:
    """One provider's rules for the variables of a registered template."""

    code_max_variables: int | None  # in a 验证码 template; None: no limit on the count
    code_min_chars: int
    code_max_chars: int
    other_max_chars: int


ALIYUN = TemplateRules(code_max_variables=1, code_min_chars=4, code_max_chars=6, other_max_chars=35)
# the sandbox's own gateway stands for a mainland gateway in general: Alibaba's rules
SANDBOX = ALIYUN


def tencent(other_max_chars: int) -> TemplateRules:
    return TemplateRules(
        code_max_variables=None, code_min_chars=0, code_max_chars=6, other_max_chars=other_max_chars
    )


def kind_of(registered_kind: str, text: str) -> str:
    """The type the provider treats a template as."""
    if registered_kind == VERIFICATION or any(word in text for word in CODE_WORDS):
        return VERIFICATION
    return NOTIFICATION


def registration_error(rules: TemplateRules, kind: str, variables: int) -> bool:
    """True when the provider would never have approved such a template."""
    limit = rules.code_max_variables
    return kind == VERIFICATION and limit is not None and variables > limit


def value_errors(rules: TemplateRules, kind: str, params: Mapping[str, object]) -> list[str]:
    """The variables whose values break the provider's rules for that kind of template."""
    return [name for name, value in params.items() if not _fits(rules, kind, value)]


def _fits(rules: TemplateRules, kind: str, value: object) -> bool:
    if not isinstance(value, str):
        return False
    if kind == VERIFICATION:
        ascii_digits = value.isascii() and (value.isdigit() or value == "")
        return ascii_digits and rules.code_min_chars <= len(value) <= rules.code_max_chars
    return 0 < len(value) <= rules.other_max_chars
