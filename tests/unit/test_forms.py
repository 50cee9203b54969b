"""parse_form: every wrong field at once, the agreement, per-service fields, the binding."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.errors import InvalidFields
from app.domain.forms import QueryForm, Service, parse_form

ID = "11010519491231002X"
PHONE = "13800138000"


def cards_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "phone_cards",
        "name": "张三",
        "id_number": ID,
        "phone": PHONE,
        "agree": True,
    }
    data.update(changes)
    return data


def accounts_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "internet_accounts",
        "phone": PHONE,
        "id_last6": "31002X",
        "agree": True,
    }
    data.update(changes)
    return data


def fields_of(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidFields) as info:
        parse_form(data)
    return info.value.fields


def test_valid_phone_cards_form() -> None:
    form = parse_form(cards_data())
    assert form == QueryForm(Service.PHONE_CARDS, phone=PHONE, id_number=ID, name="张三")
    assert form.to_dict() == {
        "service": "phone_cards",
        "phone": PHONE,
        "name": "张三",
        "id_number": ID,
    }


def test_valid_internet_accounts_form() -> None:
    form = parse_form(accounts_data())
    assert form == QueryForm(Service.INTERNET_ACCOUNTS, phone=PHONE, id_last6="31002X")
    assert form.to_dict() == {"service": "internet_accounts", "phone": PHONE, "id_last6": "31002X"}


def test_every_wrong_field_is_reported_at_once() -> None:
    fields = fields_of(
        cards_data(name="Zhang", id_number="110105194912310021", phone="12345", agree=False)
    )
    assert set(fields) == {"name", "id_number", "phone", "agree"}
    assert fields["id_number"] == ["身份证号校验位错误"]
    assert fields["phone"] == ["请输入11位手机号"]
    assert all(messages for messages in fields.values())


def test_missing_fields_are_each_named() -> None:
    fields = fields_of({"service": "phone_cards", "agree": True})
    assert fields == {
        "name": ["请填写姓名"],
        "id_number": ["请填写身份证号"],
        "phone": ["请填写手机号"],
    }
    assert fields_of({"service": "internet_accounts", "agree": True}) == {
        "phone": ["请填写手机号"],
        "id_last6": ["请填写身份证号后六位"],
    }


def test_non_string_values_count_as_missing() -> None:
    fields = fields_of(cards_data(phone=13800138000, name=None))
    assert set(fields) == {"phone", "name"}


@pytest.mark.parametrize("agree", ["true", 1, "1", "yes", None, False, [True]])
def test_agree_must_be_true_itself(agree: Any) -> None:
    assert set(fields_of(cards_data(agree=agree))) == {"agree"}


def test_agree_missing() -> None:
    data = cards_data()
    del data["agree"]
    assert set(fields_of(data)) == {"agree"}


@pytest.mark.parametrize("service", ["", "phone", None, "PHONE_CARDS"])
def test_unknown_service(service: Any) -> None:
    assert set(fields_of(cards_data(service=service))) == {"service"}


def test_fields_of_the_other_service_are_refused() -> None:
    assert set(fields_of(accounts_data(name="张三", id_number=ID))) == {"name", "id_number"}
    assert set(fields_of(cards_data(id_last6="31002X"))) == {"id_last6"}


def test_empty_fields_of_the_other_service_are_ignored() -> None:
    assert parse_form(accounts_data(name="", id_number=None)).name == ""


def test_id_fields_are_normalized_to_upper_x() -> None:
    assert parse_form(cards_data(id_number=" 11010519491231002x ")).id_number == ID
    assert parse_form(accounts_data(id_last6="31002x")).id_last6 == "31002X"


def test_phone_is_normalized() -> None:
    for raw in ("+8613800138000", " 138 0013 8000 ", "138-0013-8000"):
        assert parse_form(cards_data(phone=raw)).phone == PHONE


def test_binding_differs_when_any_field_differs() -> None:
    base = parse_form(cards_data())
    variants = [
        parse_form(cards_data(name="李四")),
        parse_form(cards_data(phone="13900139000")),
        parse_form(cards_data(id_number="110105194912310038")),
    ]
    bindings = {base.binding(), *(v.binding() for v in variants)}
    assert len(bindings) == 4

    accounts = parse_form(accounts_data())
    accounts_variants = [
        parse_form(accounts_data(id_last6="310021")),
        parse_form(accounts_data(phone="13900139000")),
    ]
    bindings |= {accounts.binding(), *(v.binding() for v in accounts_variants)}
    assert len(bindings) == 7


def test_binding_is_stable() -> None:
    assert (
        parse_form(cards_data()).binding() == parse_form(cards_data(phone=" 13800138000")).binding()
    )
