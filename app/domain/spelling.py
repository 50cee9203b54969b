"""One spelling per number: what a phone number, an ID number, its last six and a code may be
written with, and how each is folded to its one canonical spelling before anything else sees it.

The canonical digits are ASCII. Full-width forms (what a Chinese input method types: ０-９,
Ｘ, ＋, －, the ideographic space) fold to ASCII, as NFKC would fold them. Every other digit
script is refused: Arabic-Indic, Devanagari, Thai, Mongolian, superscripts, circled digits and
the rest. `str.isdigit()` and `\\d` accept all of those, so this module never uses them: a
number written in two scripts would otherwise get two quotas, two hashes and reach a partner
as something no operator can read. Full NFKC is not used for digits because it turns
superscripts (²) into ASCII, and api.md refuses them.
"""

from __future__ import annotations

import re
import unicodedata

# The Halfwidth and Fullwidth Forms block, U+FF01..U+FF5E, maps one-to-one onto ASCII 0x21..0x7E.
_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}
ASCII_DIGITS = re.compile(r"[0-9]+")
ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
ID_LAST6 = re.compile(r"[0-9]{5}[0-9X]")
MOBILE = re.compile(r"1[0-9]{10}")
CODE = re.compile(r"[0-9]{6}")


def fold_fullwidth(raw: str) -> str:
    """Full-width ASCII forms to ASCII; nothing else changes (so other scripts stay visible)."""
    return raw.translate(_FULLWIDTH)


def id_number(raw: str) -> str:
    return fold_fullwidth(raw).strip().upper()


def phone(raw: str) -> str:
    """13800138000 from '+86 138-0013-8000' and its full-width spelling."""
    value = fold_fullwidth(raw).strip()
    value = value.removeprefix("+86").removeprefix("0086")
    return value.replace(" ", "").replace("-", "")


def code(raw: str) -> str:
    return fold_fullwidth(raw).strip()


def name(raw: str) -> str:
    """Canonical composition: a CJK compatibility ideograph becomes its unified character."""
    return unicodedata.normalize("NFC", raw.strip())


def is_ascii_digits(value: str, length: int) -> bool:
    return len(value) == length and ASCII_DIGITS.fullmatch(value) is not None
