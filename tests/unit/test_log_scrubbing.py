"""The last line of defence: a logged traceback and a Sentry event lose every identifier, even
one spelled with other digit scripts, cut short, or a Chinese name inside the exception."""

from __future__ import annotations

import json
import logging
import sys

from app.runtime.logs import JsonFormatter
from app.runtime.sentry import before_send

ID = "11010519491231002X"
PHONE = "13800138000"
NAME = "欧阳娜娜"
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def spellings() -> list[str]:
    return [
        ID,
        ID[:-1] + "²",  # a superscript check character: 17 ASCII digits, then noise
        ID[:16],  # 16 of its 18 characters
        PHONE.translate(WIDE),
        PHONE[:5] + PHONE[5:].translate(WIDE),
    ]


def logged_exception() -> str:
    record = None
    try:
        raise ValueError(f"invalid literal for int(): {spellings()!r} of {NAME}")
    except ValueError:
        record = logging.LogRecord(
            "app", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    return JsonFormatter("api").format(record)


def as_ascii(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def test_a_logged_traceback_keeps_no_identifier_or_name() -> None:
    line = logged_exception()
    entry = json.loads(line)
    assert "ValueError" in entry["exc"] and "Traceback" in entry["exc"]
    text = as_ascii(line)
    for secret in (ID[:16], ID[3:14], PHONE, PHONE[3:7], NAME):
        assert secret not in text, secret


def test_a_sentry_event_keeps_no_identifier_either() -> None:
    value = f"no answer for {spellings()} {NAME}"
    event = {"exception": {"values": [{"type": "ValueError", "value": value}]}}
    scrubbed = as_ascii(json.dumps(before_send(event, None), ensure_ascii=False))
    for secret in (ID[:16], ID[3:14], PHONE, PHONE[3:7], NAME):
        assert secret not in scrubbed, secret
    assert "ValueError" in scrubbed
