"""What the user is told by SMS: the registered templates and their parameters.

The wording lives in sms_templates.yaml beside each gateway's template id. This module only
chooses the template and fills its short variables; the gateway renders the text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.forms import Service
from app.domain.outcomes import Outcome, OutcomeKind
from app.domain.reports import Answer, OperatorAnswer

TEMPLATES_FILE = Path(__file__).with_name("sms_templates.yaml")
MAX_PARAM_CHARS = 35  # Alibaba Cloud's default limit for one variable
UNAVAILABLE_SUMMARY = "部分企业"  # a list too long for one variable
# What a value too long for a gateway's variable becomes: a list of what could not be checked,
# the operators of a report, an operator's name or hotline (Tencent: 6 characters by default)
SUMMARIES = {
    "unavailable": UNAVAILABLE_SUMMARY,
    "operators": "多家运营商",
    "operator": "运营商",
    "hotline": "客服电话",
}
HOTLINE_FALLBACK = SUMMARIES["hotline"]  # an operator without a confirmed hotline
VERIFICATION = "verification"  # the 验证码 type a template is registered as
_MINUTES = re.compile(r"(\d+)分钟")


@dataclass(frozen=True)
class Message:
    template: str
    params: dict[str, str]


@dataclass(frozen=True)
class Templates:
    signature: str
    texts: Mapping[str, str]
    ids: Mapping[str, Mapping[str, str]]
    kinds: Mapping[str, str] = field(default_factory=dict)  # absent: notification

    def gateway_id(self, template: str, gateway: str) -> str:
        return self.ids[template][gateway]

    def render(self, message: Message) -> str:
        """The whole text as the phone shows it (for tests, logs of lengths and the sandbox)."""
        return f"【{self.signature}】" + self.texts[message.template].format(**message.params)

    def placeholders(self, template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.texts[template]) if name}

    def ordered(self, template: str, params: Mapping[str, str]) -> list[str]:
        """Positional parameters (Tencent Cloud): in the order the placeholders appear."""
        parsed = string.Formatter().parse(self.texts[template])
        return [params[name] for name in dict.fromkeys(name for _, name, _, _ in parsed if name)]


def fit_params(params: Mapping[str, str], max_chars: int) -> dict[str, str]:
    """Parameters within a gateway's per-variable limit: a long list of what could not be
    checked is summed up; any other value too long is a ValueError (a template problem)."""
    fitted = dict(params)
    for name, summary in SUMMARIES.items():
        if len(fitted.get(name, "")) > max_chars:
            fitted[name] = summary[:max_chars]
    too_long = sorted(name for name, value in fitted.items() if len(value) > max_chars)
    if too_long:
        raise ValueError(f"SMS parameters longer than {max_chars} characters: {too_long}")
    return fitted


def templates_from(data: Mapping[str, Any], signature: str | None = None) -> Templates:
    """The templates of a parsed templates file (sms_templates.yaml's shape)."""
    templates = data["templates"]
    return Templates(
        signature=signature or data["signature"],
        texts={name: t["text"] for name, t in templates.items()},
        ids={name: dict(t.get("ids", {})) for name, t in templates.items()},
        kinds={name: str(t.get("kind", "notification")) for name, t in templates.items()},
    )


def code_template(service: Service) -> str:
    return f"code_{service}"


def is_code_template(template: str) -> bool:
    return template.startswith("code_")


def code_message(code: str, service: Service) -> Message:
    """The code is the one variable: both cloud providers allow no other in a 验证码 template."""
    return Message(code_template(service), {"code": code})


def check_code_templates(templates: Templates, code_ttl_s: int) -> None:
    """Each service's code template is a 验证码 template with the one variable `code`, and the
    minutes its fixed text promises are CODE_TTL_S. ValueError says what is wrong."""
    for service in Service:
        name = code_template(service)
        if name not in templates.texts:
            raise ValueError(f"no SMS template {name!r}")
        if templates.kinds.get(name) != VERIFICATION or templates.placeholders(name) != {"code"}:
            raise ValueError(f"{name}: a verification template with the one variable code")
        said = [int(m) for m in _MINUTES.findall(templates.texts[name])]
        if said != [code_ttl_s / 60]:
            raise ValueError(
                f"CODE_TTL_S={code_ttl_s} does not match {name}, which says {said} 分钟: "
                "register templates with the new wording, or keep the TTL"
            )


def outcome_message(outcome: Outcome) -> Message:
    if outcome.kind in (OutcomeKind.MISMATCH, OutcomeKind.NUMBER_INACTIVE, OutcomeKind.UNAVAILABLE):
        return Message(str(outcome.kind), {})
    suffix = "partial" if outcome.kind is OutcomeKind.PARTIAL else "result"
    params = {key: "-" if count is None else str(count) for key, count in outcome.counts.items()}
    params["total"] = str(outcome.total)
    if outcome.kind is OutcomeKind.PARTIAL:
        names = "、".join(outcome.unavailable)
        # a variable holds at most 35 characters; a long list is summed up instead of cut
        params["unavailable"] = names if len(names) <= MAX_PARAM_CHARS else UNAVAILABLE_SUMMARY
    return Message(f"{outcome.service}_{suffix}", params)


# --- 非本人反映 (app/domain/reports.py) ------------------------------------------------------


def report_received(operators: str, ref: str) -> Message:
    return Message("report_received", {"operators": operators, "ref": ref})


def report_refused() -> Message:
    return Message("report_refused", {})


def report_answer(answer: Answer, operator: str, hotline: str) -> Message:
    """report_closed, report_confirmed or report_visit_store."""
    params = {"operator": operator, "hotline": hotline or HOTLINE_FALLBACK}
    if answer.kind is OperatorAnswer.CLOSED:
        params["count"] = str(answer.count)
    return Message(f"report_{answer.kind}", params)
