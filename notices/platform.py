"""What a platform notice says, and how it fills each template's keywords within their limits.

A notice carries the ticket's status, the masked phone and the time: never a count. Which of
our values goes into which keyword of a registered template is configuration
(`service=thing1,status=phrase2,...`); a WeChat keyword's type, the letters before its number,
sets its length limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from app.domain.forms import Service
from app.domain.tickets import Ticket
from app.ports.messages import Notice

CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset needs no tz database
VALUES = ("service", "status", "phone", "time", "remark")
# status -> (a phrase of at most 5 Chinese characters, a sentence of at most 20 characters)
STATUS_TEXT = {
    "delivered": ("已发送", "结果已通过短信发送,请查收"),
    "failed": ("发送失败", "短信发送失败,请稍后重新查询"),
}
# WeChat keyword types (subscribe messages, and the newer official-account templates)
WECHAT_LIMITS = {
    "thing": 20,
    "phrase": 5,
    "name": 10,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "amount": 32,
    "time": 32,
    "date": 32,
}
WECHAT_OTHER_LIMIT = 20  # keywords without a known type (older templates): stay short
ALIPAY_LIMIT = 50


def build_notice(ticket: Ticket, status: str, now: float) -> Notice:
    short, sentence = STATUS_TEXT["delivered" if status == "delivered" else "failed"]
    return Notice(
        ticket_id=ticket.id,
        values={
            "service": Service(ticket.service).display_name + "查询",
            "status": short,
            "phone": ticket.phone_masked,
            "time": format_time(now),
            "remark": sentence,
        },
    )


def format_time(now: float) -> str:
    """WeChat's `time` format, in China time: 2026年11月29日 15:01."""
    moment = datetime.fromtimestamp(now, CHINA)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def parse_fields(spec: str) -> dict[str, str]:
    """`service=thing1,status=phrase2` -> {"service": "thing1", ...}; ValueError when malformed."""
    fields: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        value, sep, keyword = part.partition("=")
        if not sep or value.strip() not in VALUES or not keyword.strip():
            raise ValueError(f"notice field {part!r}: expected one of {VALUES} = keyword")
        fields[value.strip()] = keyword.strip()
    if not fields:
        raise ValueError("no notice fields configured")
    return fields


def wechat_limit(keyword: str) -> int:
    return WECHAT_LIMITS.get(keyword.rstrip("0123456789"), WECHAT_OTHER_LIMIT)


def wechat_data(notice: Notice, fields: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The `data` of a subscribe or template message: {"thing1": {"value": ...}, ...}."""
    return {
        keyword: {"value": fit(notice.values[value], wechat_limit(keyword))}
        for value, keyword in fields.items()
    }


def alipay_data(notice: Notice, fields: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {
        keyword: {"value": fit(notice.values[value], ALIPAY_LIMIT)}
        for value, keyword in fields.items()
    }


def fit(value: str, limit: int) -> str:
    """Our values fit every default keyword; a keyword configured too short gets a cut value
    rather than a refused notice."""
    return value if len(value) <= limit else value[:limit]
