"""Masks for display and a scrubber for free text (logs, URLs, error reports)."""

from __future__ import annotations

import re
import unicodedata


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
# not inside longer digit runs. Percent-encoded Chinese names are caught by _PCT_HAN_RE.
_ID_RE = re.compile(r"(?<![0-9])([0-9]{3})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9])")
# A mobile stands alone, or after the country code (+86 / 0086, as in E.164 for gateways).
_PHONE_RE = re.compile(
    r"(?:(?<![0-9])|(?<=\+86)|(?<=0086))(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])"
)
# What is left of an ID cut short, or an old 15-digit one: a run of 14 to 17 digits keeps only
# its first 3 and last 2. Shorter runs (timestamps) and longer ones (order numbers) stay.
_PARTIAL_ID_RE = re.compile(r"(?<![0-9])([0-9]{3})([0-9]{9,12})([0-9]{2})(?![0-9Xx])")
_HAN_RUN_RE = re.compile(r"[\u3400-\u9fff·]{2,30}")
_PCT_HAN_RE = re.compile(r"(?:%[Ee][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]){2,}")


def scrub(text: str, names: bool = False) -> str:
    """Mask ID numbers and mobile numbers in free text; with names=True also Chinese runs.

    Digits of every script count (full-width, Arabic-Indic, superscripts...): an identifier
    spelled with them is still an identifier, and a hostile request may carry exactly that.
    They are looked for twice, as written and in a copy whose digits are all ASCII (one
    character for one); every mask keeps the length, so what either finds is masked in place.
    """
    masked = _mask_numbers(text)
    if not text.isascii():
        digits = "".join(map(_ascii_digit, text))
        found = _mask_numbers(digits)
        masked = "".join(
            "*" if new == "*" != old else char
            for char, old, new in zip(masked, digits, found, strict=True)
        )
    if names:
        masked = _PCT_HAN_RE.sub("%**", masked)
        masked = _HAN_RUN_RE.sub("**", masked)
    return masked


def _mask_numbers(text: str) -> str:
    text = _ID_RE.sub(lambda m: f"{m.group(1)}***********{m.group(2)[-4:]}", text)
    text = _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _PARTIAL_ID_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def _ascii_digit(char: str) -> str:
    if char.isascii():
        return char
    value = unicodedata.digit(char, None)
    if value is not None:
        return str(value)
    return "X" if char in "Ｘｘ" else char


# Query parameters that carry credentials or platform identities: login codes, OAuth states,
# signatures, tokens, secrets, and WeChat's openid on the official account's callback.
_CREDENTIALS_RE = re.compile(
    r"(?<=[?&])(secret|access_token|sign|js_code|code|refresh_token|auth_code|state|openid"
    r"|signature|msg_signature|echostr|token)=[^&\s]*"
)


def hide_credentials(text: str) -> str:
    """`?code=abc&state=xyz` -> `?code=***&state=***`: for URLs on their way into a log."""
    return _CREDENTIALS_RE.sub(lambda m: f"{m.group(1)}=***", text)
