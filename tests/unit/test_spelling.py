"""One spelling per number, as properties over Unicode's digit characters, not a list of examples.

Every character that Unicode gives a digit value to (categories Nd and No: Arabic-Indic,
Devanagari, Thai, Mongolian, superscripts, circled digits ...), other than ASCII and the
full-width forms, put anywhere into a phone number, an ID number, its last six or a code, makes
the field a 422. Full-width digits, alone or mixed with ASCII, give exactly the ASCII value.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidFields
from app.domain.forms import parse_form
from app.domain.spelling import fold_fullwidth

ID = "11010519491231002X"
PHONE = "13800138000"
LAST6 = "31002X"
FULLWIDTH_DIGITS = {chr(0xFF10 + i) for i in range(10)}


def _other_digits() -> list[str]:
    """Every character with a digit value that is neither ASCII nor full-width."""
    found = []
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if unicodedata.digit(char, None) is None or char.isascii() or char in FULLWIDTH_DIGITS:
            continue
        found.append(char)
    return found


OTHER_DIGITS = _other_digits()


def test_the_alphabet_covers_the_scripts_the_attack_used() -> None:
    categories = {unicodedata.category(c) for c in OTHER_DIGITS}
    assert {"Nd", "No"} <= categories
    for sample in ("٣", "३", "๓", "᠓", "²", "①", "𝟑"):  # Arabic, Devanagari, Thai, Mongolian...
        assert sample in OTHER_DIGITS
    assert len(OTHER_DIGITS) > 600


def cards(**changes: Any) -> dict[str, Any]:
    data = {"service": "phone_cards", "name": "张三", "id_number": ID, "phone": PHONE}
    return {**data, "agree": True, **changes}


def accounts(**changes: Any) -> dict[str, Any]:
    data = {"service": "internet_accounts", "phone": PHONE, "id_last6": LAST6}
    return {**data, "agree": True, **changes}


def refused_fields(data: dict[str, Any]) -> set[str]:
    with pytest.raises(InvalidFields) as info:
        parse_form(data)
    return set(info.value.fields)


def replace_at(value: str, position: int, char: str) -> str:
    return value[:position] + char + value[position + 1 :]


positions = st.integers(min_value=0)
other_digit = st.sampled_from(OTHER_DIGITS)


@given(other_digit, positions)
def test_another_script_anywhere_in_a_phone_is_refused(char: str, position: int) -> None:
    spelled = replace_at(PHONE, position % len(PHONE), char)
    assert refused_fields(cards(phone=spelled)) == {"phone"}
    assert refused_fields(accounts(phone=spelled)) == {"phone"}


@given(other_digit, positions)
def test_another_script_anywhere_in_an_id_number_is_refused(char: str, position: int) -> None:
    spelled = replace_at(ID, position % len(ID), char)
    assert refused_fields(cards(id_number=spelled)) == {"id_number"}


@given(other_digit, positions)
def test_another_script_anywhere_in_the_last_six_is_refused(char: str, position: int) -> None:
    spelled = replace_at(LAST6, position % len(LAST6), char)
    assert refused_fields(accounts(id_last6=spelled)) == {"id_last6"}


@given(st.lists(st.booleans(), min_size=len(ID), max_size=len(ID)))
def test_full_width_digits_mixed_with_ascii_are_the_same_id(widen: list[bool]) -> None:
    spelled = "".join(_wide(c) if w else c for c, w in zip(ID, widen, strict=True))
    assert parse_form(cards(id_number=spelled)).id_number == ID


@given(st.lists(st.booleans(), min_size=len(PHONE), max_size=len(PHONE)))
def test_full_width_digits_mixed_with_ascii_are_the_same_phone(widen: list[bool]) -> None:
    spelled = "".join(_wide(c) if w else c for c, w in zip(PHONE, widen, strict=True))
    form = parse_form(accounts(phone=spelled, id_last6=_wide(LAST6[0]) + LAST6[1:]))
    assert (form.phone, form.id_last6) == (PHONE, LAST6)
    assert form.binding() == parse_form(accounts()).binding()


def test_full_width_x_and_plus_fold_too() -> None:
    assert parse_form(cards(id_number=ID[:-1] + "ｘ", phone="＋８６" + PHONE)).id_number == ID
    assert fold_fullwidth("１３８　００１３") == "138 0013"


@given(st.text(min_size=1, max_size=24))
def test_any_text_in_a_number_field_is_a_field_error_never_a_crash(text: str) -> None:
    for data in (cards(phone=text), cards(id_number=text), accounts(id_last6=text)):
        try:
            parse_form(data)
        except InvalidFields as exc:
            assert exc.fields
        else:  # accepted only when it was a spelling of a valid number
            form = parse_form(data)
            assert form.phone.isascii() and form.id_number.isascii() and form.id_last6.isascii()


def _wide(char: str) -> str:
    return chr(0xFF10 + int(char)) if char.isdigit() else char
