"""What the Alibaba and Tencent SMS emulations share: the registered templates, the raw
request log, and the steps after a request is accepted or throttled."""

from __future__ import annotations

import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import yaml
from aiohttp import web

from sandbox import sms_rules
from sandbox.common import STATE
from sandbox.sms_frequency import Rule
from sandbox.state import utc_now_iso

PARTNER = "sms"


@dataclass(frozen=True)
class CloudTemplate:
    name: str
    text: str
    order: tuple[str, ...]  # placeholders in the order they appear (Tencent's {1}, {2}, ...)
    registered_kind: str = sms_rules.NOTIFICATION

    @property
    def kind(self) -> str:
        """The type the provider treats it as: a template that names 验证码 is one."""
        return sms_rules.kind_of(self.registered_kind, self.text)


TEMPLATES = web.AppKey("cloud_sms_templates", dict)  # provider -> template code -> template
SIGNATURE = web.AppKey("cloud_sms_signature", str)


def load_cloud_templates(path: Path) -> tuple[str, dict[str, dict[str, CloudTemplate]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_provider: dict[str, dict[str, CloudTemplate]] = {"aliyun": {}, "tencent": {}}
    for name, spec in data["templates"].items():
        text = str(spec["text"])
        order = tuple(dict.fromkeys(n for _, n, _, _ in string.Formatter().parse(text) if n))
        kind = str(spec.get("kind", sms_rules.NOTIFICATION))
        for provider, codes in by_provider.items():
            code = spec.get("ids", {}).get(provider)
            if code is not None:
                codes[str(code)] = CloudTemplate(str(name), text, order, kind)
    return str(data.get("signature", "")), by_provider


async def record_raw(request: web.Request, provider: str) -> bytes:
    body = await request.read()
    request.app[STATE].sms_raw.append(
        {
            "provider": provider,
            "method": request.method,
            "path": request.path,
            "query": dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)),
            "headers": dict(request.headers),
            "body": body.decode("utf-8", "replace"),
        }
    )
    return body


@dataclass(frozen=True)
class Outgoing:
    """A message that passed the provider's checks, before its per-number limits."""

    provider: str
    phone: str
    template: CloudTemplate
    params: Mapping[str, str]
    signature: str

    @property
    def text(self) -> str:
        return f"【{self.signature}】" + self.template.text.format(**self.params)

    def keys(self) -> dict[str, str]:
        return {
            "signature": self.signature,
            "template": f"{self.signature}|{self.template.name}",
            "content": self.text,
        }


def throttle(request: web.Request, out: Outgoing, limited: bool) -> Rule | str | None:
    """The limit that refuses this message (a frequency rule, or "limit" for the fault), else
    None. A refusal is recorded for GET /_sandbox/sms/refusals."""
    state = request.app[STATE]
    rule = state.frequency.refusal(
        out.provider, out.phone, out.template.kind, out.keys(), time.time()
    )
    if rule is None and not limited:
        return None
    state.record_refusal(out.provider, out.phone, out.template.name, rule.name if rule else "limit")
    return rule or "limit"


def refuse(request: web.Request, out: Outgoing, code: str) -> None:
    """Record a message the provider refused for its template or parameters."""
    request.app[STATE].record_refusal(out.provider, out.phone, out.template.name, code)


def deliver(request: web.Request, out: Outgoing) -> None:
    state = request.app[STATE]
    message = {
        "phone": out.phone,
        "template": out.template.name,
        "params": dict(out.params),
        "text": out.text,
        "sent_at": utc_now_iso(),
    }
    state.sms.append(message)
    state.frequency.record(out.provider, out.phone, out.template.kind, out.keys(), time.time())
