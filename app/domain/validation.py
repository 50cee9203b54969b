"""Form field validation: 姓名, 身份证号, 手机号, 身份证号后六位.

Each check returns a list of Chinese messages (empty when valid), so the API can report every
wrong field at once. Pure functions over python-stdnum and phonenumbers' data; no I/O.
"""

from __future__ import annotations

import datetime
import re

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric

from app.domain import spelling

_NAME_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]{2,30}")


def normalize_id(raw: str) -> str:
    return spelling.id_number(raw)


def id_number_errors(id_number: str, today: datetime.date | None = None) -> list[str]:
    """GB 11643: 18 characters, check character, a real past birth date, a known region code.

    The region code may belong to any period of the official list: python-stdnum's
    region-by-birth-year filter (get_birth_place) would reject real people, e.g. someone born
    in 1985 in 顺义区 (110113, created 1998), because numbers were assigned at registration.
    """
    if len(id_number) != 18:
        return ["身份证号应为18位"]
    if not spelling.ID_NUMBER.fullmatch(id_number):  # ASCII only: one spelling per number
        return ["身份证号只能包含数字,最后一位可以是X"]
    errors = []
    if ric.calc_check_digit(id_number) != id_number[17]:
        errors.append("身份证号校验位错误")
    try:
        birth = ric.get_birth_date(id_number)
        if birth > (today or datetime.date.today()) or birth.year < 1870:
            errors.append("身份证号中的出生日期有误")
    except ValueError:  # stdnum's InvalidComponent is a ValueError
        errors.append("身份证号中的出生日期有误")
    if not region_exists(id_number[:6]):
        errors.append("身份证号中的地区码不存在")
    return errors


def region_exists(code: str) -> bool:
    """The code is in stdnum's region table in some period (any county entry, any years)."""
    parts = numdb.get("cn/loc").info(code)
    return any("county" in props for _, props in parts)


def phone_errors(phone: str) -> list[str]:
    if not spelling.MOBILE.fullmatch(phone):  # ASCII only: one spelling per number
        return ["请输入11位手机号"]
    parsed = phonenumbers.parse(phone, "CN")
    if not phonenumbers.is_valid_number(parsed) or (
        phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return ["手机号不是有效的中国大陆手机号"]
    return []


def name_errors(name: str) -> list[str]:
    if not 2 <= len(name) <= 30:
        return ["姓名应为2至30个字"]
    if not _NAME_RE.fullmatch(name) or name.startswith("·") or name.endswith("·"):
        return ["姓名只能包含汉字和·"]
    return []


def id_last6_errors(last6: str) -> list[str]:
    if not spelling.ID_LAST6.fullmatch(last6):
        return ["请输入身份证号后六位(数字,最后一位可以是X)"]
    return []
