"""Form field validation (product.md, "Rules that protect people")."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from app.domain.validation import (
    id_last6_errors,
    id_number_errors,
    name_errors,
    normalize_id,
    phone_errors,
    region_exists,
)
from tests.unit.id_numbers import REGIONS, TODAY, check_char, valid_ids, with_check

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SHUNYI_1985 = with_check("11011319850615123")


def assert_chinese(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert CHINESE.search(message), message


# --- ID numbers ------------------------------------------------------------------------------


def test_region_table_is_loaded() -> None:
    assert len(REGIONS) > 3000
    assert "110113" in REGIONS and "110105" in REGIONS


@pytest.mark.parametrize(
    "id_number",
    [
        "11010519491231002X",
        with_check("44030419900101001"),
        with_check("51010720001231987"),
        with_check("65010219800229123"),  # 29 February of a leap year
    ],
)
def test_valid_ids(id_number: str) -> None:
    assert id_number_errors(id_number, today=TODAY) == []


def test_known_check_characters() -> None:
    assert check_char("11010519491231002") == "X"
    assert ric.calc_check_digit("11010519491231002X") == "X"


def test_born_before_region_was_created_is_valid() -> None:
    """顺义区 (110113) was created in 1998; people born there in 1985 hold such IDs."""
    assert SHUNYI_1985 == "110113198506151236"
    assert id_number_errors(SHUNYI_1985, today=TODAY) == []
    # This is the case python-stdnum's own validation rejects (region-by-birth-year filter):
    with pytest.raises(ValidationError):
        ric.validate(SHUNYI_1985)
    with pytest.raises(ValidationError):
        ric.get_birth_place(SHUNYI_1985)


@pytest.mark.parametrize(
    "id_number",
    ["11010519491231002", "11010519491231002X1", "", "1101051949123"],
)
def test_wrong_length(id_number: str) -> None:
    errors = id_number_errors(id_number, today=TODAY)
    assert errors == ["身份证号应为18位"]
    assert_chinese(errors)


@pytest.mark.parametrize(
    "id_number",
    ["1101051949123100AX", "A1010519491231002X", "11010519491231002Y", "11010519491231002x"],
)
def test_letters_rejected(id_number: str) -> None:
    errors = id_number_errors(id_number, today=TODAY)
    assert errors
    assert_chinese(errors)


def test_lowercase_x_is_accepted_after_normalizing() -> None:
    assert id_number_errors(normalize_id(" 11010519491231002x "), today=TODAY) == []


def test_wrong_check_digit() -> None:
    errors = id_number_errors("110105194912310021", today=TODAY)
    assert errors == ["身份证号校验位错误"]
    assert_chinese(errors)


def test_impossible_date() -> None:
    id_number = with_check("11010519990230123")  # 30 February 1999
    errors = id_number_errors(id_number, today=TODAY)
    assert errors == ["身份证号中的出生日期有误"]
    assert_chinese(errors)


def test_future_birth_date() -> None:
    id_number = with_check("11010520250602123")
    assert id_number_errors(id_number, today=datetime.date(2025, 6, 2)) == []
    errors = id_number_errors(id_number, today=datetime.date(2025, 6, 1))
    assert errors == ["身份证号中的出生日期有误"]
    assert_chinese(errors)


def test_unknown_region() -> None:
    assert not region_exists("990101")
    id_number = with_check("99010119800101123")
    errors = id_number_errors(id_number, today=TODAY)
    assert errors == ["身份证号中的地区码不存在"]
    assert_chinese(errors)


def test_every_wrong_part_is_reported() -> None:
    bad_everything = "99010119990230123" + ("0" if check_char("99010119990230123") != "0" else "1")
    errors = id_number_errors(bad_everything, today=TODAY)
    assert set(errors) == {
        "身份证号校验位错误",
        "身份证号中的出生日期有误",
        "身份证号中的地区码不存在",
    }


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(valid_ids())
def test_every_well_formed_id_is_valid(id_number: str) -> None:
    assert id_number_errors(id_number, today=TODAY) == []


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_caught(id_number: str, position: int, char: str) -> None:
    if id_number[position] == char:
        char = "X" if char != "X" else "0"
    changed = id_number[:position] + char + id_number[position + 1 :]
    assert changed != id_number
    errors = id_number_errors(changed, today=TODAY)
    assert errors, changed
    assert_chinese(errors)


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["13800138000", "13912345678", "15012345678", "17712345678", "18612345678", "19912345678"],
)
def test_valid_mobiles(phone: str) -> None:
    assert phone_errors(phone) == []


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("01012345678", "请输入11位手机号"),  # Beijing landline, 11 digits
        ("02161234567", "请输入11位手机号"),  # Shanghai landline
        ("1380013800", "请输入11位手机号"),  # 10 digits
        ("138001380001", "请输入11位手机号"),  # 12 digits
        ("1380013800a", "请输入11位手机号"),
        ("138 0013 80", "请输入11位手机号"),
        ("", "请输入11位手机号"),
        ("12012345678", "手机号不是有效的中国大陆手机号"),  # 1 + 11 digits, no such range
        ("11012345678", "手机号不是有效的中国大陆手机号"),
    ],
)
def test_invalid_phones(phone: str, message: str) -> None:
    errors = phone_errors(phone)
    assert errors == [message]
    assert_chinese(errors)


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["张三", "欧阳娜娜", "阿依古丽·买买提", "爱新觉罗·溥仪", "王" * 30, "㐀㐁"]
)
def test_valid_names(name: str) -> None:
    assert name_errors(name) == []


@pytest.mark.parametrize(
    "name",
    ["Zhang San", "张三a", "张3", "·张三", "张三·", "张", "王" * 31, "", "张 三", "张三!"],
)
def test_invalid_names(name: str) -> None:
    errors = name_errors(name)
    assert len(errors) == 1
    assert_chinese(errors)


# --- last six characters of the ID ----------------------------------------------------------


@pytest.mark.parametrize("last6", ["31002X", "310021", "000000"])
def test_valid_last6(last6: str) -> None:
    assert id_last6_errors(last6) == []


@pytest.mark.parametrize("last6", ["31002", "3100211", "3100X1", "31002x", "abcdef", ""])
def test_invalid_last6(last6: str) -> None:
    errors = id_last6_errors(last6)
    assert len(errors) == 1
    assert_chinese(errors)
