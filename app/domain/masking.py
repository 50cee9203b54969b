"""Masks for display and a scrubber for free text (logs, URLs, error reports)."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(id_number: str) -> str:
    """110105194912310021 -> 110***********0021 (first 3, last 4)."""
    if len(id_number) < 7:
        return "*" * len(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"


def mask_name(name: str) -> str:
    """张三 -> *三, 欧阳娜娜 -> ***娜: only the last character stays."""
    return "*" * (len(name) - 1) + name[-1:] if name else ""


# Digit runs that look like an ID (17 digits + digit/X) or a mainland mobile (1 + 10 digits),
# not inside longer digit runs. Percent-encoded Chinese names are caught by _NAME_RE.
_ID_RE = re.compile(r"(?<![0-9])([0-9]{3})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9])")
# A mobile stands alone, or after the country code (+86 / 0086, as in E.164 for gateways).
_PHONE_RE = re.compile(
    r"(?:(?<![0-9])|(?<=\+86)|(?<=0086))(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])"
)
_HAN_RUN_RE = re.compile(r"[\u3400-\u9fff·]{2,30}")
_PCT_HAN_RE = re.compile(r"(?:%[Ee][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]){2,}")


def scrub(text: str, names: bool = False) -> str:
    """Mask ID numbers and mobile numbers in free text; with names=True also Chinese runs."""
    text = _ID_RE.sub(lambda m: f"{m.group(1)}***********{m.group(2)[-4:]}", text)
    text = _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    if names:
        text = _PCT_HAN_RE.sub("%**", text)
        text = _HAN_RUN_RE.sub("**", text)
    return text
