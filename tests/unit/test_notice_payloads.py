"""What a platform notice says and how it fits each platform's keyword limits (notices/)."""

from __future__ import annotations

import re

import pytest

from app.config import NOTICE_FIELDS_ALIPAY, NOTICE_FIELDS_WECHAT
from app.domain.tickets import Ticket, TicketStatus
from app.wiring.files import load_templates
from notices.platform import (
    ALIPAY_LIMIT,
    alipay_data,
    build_notice,
    format_time,
    parse_fields,
    wechat_data,
    wechat_limit,
)
from notices.sms import fit_params

NOW = 1_764_400_000.0  # 2025-11-29 07:06:40 UTC, 15:06 in China


def ticket(service: str = "phone_cards") -> Ticket:
    return Ticket(
        id="t-1",
        service=service,
        status=TicketStatus.PROCESSING,
        phone_masked="138****8000",
        owner_h="h",
        platform="wechat",
        created_at=NOW,
        updated_at=NOW,
        notify=True,
    )


def test_a_delivered_notice_says_the_result_went_by_sms() -> None:
    notice = build_notice(ticket(), "delivered", NOW)
    assert notice.ticket_id == "t-1"
    assert dict(notice.values) == {
        "service": "移动电话卡查询",
        "status": "已发送",
        "phone": "138****8000",
        "time": "2025年11月29日 15:06",
        "remark": "结果已通过短信发送,请查收",
    }


def test_a_failed_notice_says_so_and_an_accounts_notice_names_its_service() -> None:
    notice = build_notice(ticket("internet_accounts"), "failed", NOW)
    assert notice.values["status"] == "发送失败"
    assert notice.values["service"] == "互联网账号查询"
    assert "失败" in notice.values["remark"]


@pytest.mark.parametrize("status", ["delivered", "failed"])
def test_a_notice_never_carries_a_count_or_a_clear_number(status: str) -> None:
    text = "".join(build_notice(ticket(), status, NOW).values.values())
    assert not re.search(r"[0-9]+(张|个)", text)
    assert "13800138000" not in text


def test_time_is_china_time_in_wechat_time_format() -> None:
    assert format_time(0) == "1970年1月1日 08:00"


@pytest.mark.parametrize("status", ["delivered", "failed"])
def test_default_wechat_fields_fit_their_keyword_types(status: str) -> None:
    data = wechat_data(build_notice(ticket(), status, NOW), parse_fields(NOTICE_FIELDS_WECHAT))
    values = {k: v["value"] for k, v in data.items()}
    assert set(values) == {"thing1", "phrase2", "character_string3", "time4", "thing5"}
    assert values["phrase2"] in ("已发送", "发送失败")
    assert len(values["thing1"]) <= 20 and len(values["thing5"]) <= 20
    assert re.fullmatch(r"[\u4e00-\u9fff]{1,5}", values["phrase2"])
    # nothing was cut: the defaults fit
    assert set(values.values()) <= set(build_notice(ticket(), status, NOW).values.values())


def test_a_keyword_configured_too_short_gets_a_cut_value() -> None:
    data = wechat_data(build_notice(ticket(), "delivered", NOW), {"remark": "phrase9"})
    assert data == {"phrase9": {"value": "结果已通过"}}
    assert wechat_limit("thing12") == 20 and wechat_limit("phrase3") == 5
    assert wechat_limit("keyword1") == 20  # older templates: keywords without a type


def test_alipay_values_are_at_most_50_characters() -> None:
    fields = parse_fields(NOTICE_FIELDS_ALIPAY)
    data = alipay_data(build_notice(ticket(), "delivered", NOW), fields)
    assert set(data) == {"keyword1", "keyword2", "keyword3", "keyword4", "keyword5"}
    assert data["keyword3"] == {"value": "138****8000"}
    long = alipay_data(build_notice(ticket(), "delivered", NOW), {"remark": "keyword1"})
    assert len(long["keyword1"]["value"]) <= ALIPAY_LIMIT


@pytest.mark.parametrize("spec", ["", "service", "owner=thing1", "service=", "=thing1"])
def test_malformed_field_maps_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fields(spec)


def test_tencent_parameters_follow_the_template_text_order() -> None:
    templates = load_templates()
    assert templates.ordered("code_phone_cards", {"code": "123456"}) == ["123456"]
    partial = templates.ordered(
        "internet_accounts_partial",
        {k: k for k in templates.placeholders("internet_accounts_partial")},
    )
    assert partial[0] == "total" and partial[-1] == "unavailable"
    assert partial[1:4] == ["wechat", "qq", "taobao"]


def test_parameters_are_fitted_to_a_gateways_variable_limit() -> None:
    fitted = fit_params({"total": "8", "unavailable": "淘宝、闲鱼、钉钉"}, 6)
    assert fitted == {"total": "8", "unavailable": "部分企业"}
    assert fit_params({"unavailable": "美团"}, 6) == {"unavailable": "美团"}
    with pytest.raises(ValueError):
        fit_params({"service_name": "一个很长很长的服务名称"}, 6)
