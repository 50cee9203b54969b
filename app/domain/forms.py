"""The query form of each service: which fields it has, how they are checked and bound."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain import spelling, validation
from app.domain.errors import InvalidFields


class Service(StrEnum):
    PHONE_CARDS = "phone_cards"
    INTERNET_ACCOUNTS = "internet_accounts"

    @property
    def display_name(self) -> str:
        return SERVICE_TITLES[self]


SERVICE_TITLES = {Service.PHONE_CARDS: "移动电话卡", Service.INTERNET_ACCOUNTS: "互联网账号"}
SERVICE_FIELDS = {
    Service.PHONE_CARDS: ("name", "id_number", "phone"),
    Service.INTERNET_ACCOUNTS: ("phone", "id_last6"),
}
ALL_FORM_FIELDS = ("name", "id_number", "phone", "id_last6")


@dataclass(frozen=True)
class QueryForm:
    service: Service
    phone: str
    id_number: str = ""
    name: str = ""
    id_last6: str = ""

    def binding(self) -> str:
        """Canonical text of the whole form; the code is bound to it."""
        if self.service is Service.PHONE_CARDS:
            return f"{self.service}|{self.phone}|{self.id_number}|{self.name}"
        return f"{self.service}|{self.phone}|{self.id_last6}"

    def to_dict(self) -> dict[str, str]:
        data = {"service": str(self.service), "phone": self.phone}
        for field in SERVICE_FIELDS[self.service]:
            data[field] = getattr(self, field)
        return data


_CHECKS: dict[str, Callable[[str], list[str]]] = {
    "name": validation.name_errors,
    "id_number": validation.id_number_errors,
    "phone": validation.phone_errors,
    "id_last6": validation.id_last6_errors,
}
_REQUIRED = {
    "name": "请填写姓名",
    "id_number": "请填写身份证号",
    "phone": "请填写手机号",
    "id_last6": "请填写身份证号后六位",
}


def parse_form(data: Mapping[str, Any]) -> QueryForm:
    """Check every field at once; raise InvalidFields with all the wrong ones."""
    errors: dict[str, list[str]] = {}
    try:
        service = Service(str(data.get("service")))
    except ValueError:
        raise InvalidFields({"service": ["请选择查询服务"]}) from None
    if data.get("agree") is not True:
        errors["agree"] = ["请阅读并同意服务协议"]
    values: dict[str, str] = {}
    for field in ALL_FORM_FIELDS:
        raw = data.get(field)
        if field not in SERVICE_FIELDS[service]:
            if raw not in (None, ""):
                errors[field] = ["该服务不需要填写此项"]
            continue
        value = _normalize(field, raw if isinstance(raw, str) else "")
        if not value:
            errors[field] = [_REQUIRED[field]]
        elif messages := _CHECKS[field](value):
            errors[field] = messages
        values[field] = value
    if errors:
        raise InvalidFields(errors)
    return QueryForm(service=service, **values)


_SPELLINGS: dict[str, Callable[[str], str]] = {
    "name": spelling.name,
    "id_number": spelling.id_number,
    "phone": spelling.phone,
    "id_last6": spelling.id_number,
}


def _normalize(field: str, raw: str) -> str:
    """The field's one spelling (app/domain/spelling.py): quotas, hashes, the code's binding and
    every partner call see only this value."""
    return _SPELLINGS[field](raw)
