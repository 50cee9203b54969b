"""The report's rules (app/domain/reports.py): what a report may name, its lifecycle, which
copies may go, how long it is retried, and the report SMS (notices/sms.py)."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidFields
from app.domain.official_account import Incoming
from app.domain.providers import MVNO_GROUP
from app.domain.reports import (
    ANSWERABLE,
    TRANSITIONS,
    Answer,
    CopyState,
    ForwardPolicy,
    OperatorAnswer,
    Report,
    ReportStatus,
    copies_of,
    forwardable,
    group_names,
    message_id,
    parse_answer,
    parse_message_id,
    parse_request,
    reportable,
    short_ref,
    sources,
)
from app.domain.tickets import Ticket, TicketStatus
from app.wiring.files import load_templates
from notices.replies import Replies
from notices.sms import fit_params, report_answer, report_received, report_refused
from tests.unit.registry_data import GUIDANCE, REG

DAY = 86400.0


def test_a_request_names_one_to_five_groups_and_up_to_twenty_endings() -> None:
    assert parse_request({"operators": ["cmcc", "mvno"]}).groups == ("cmcc", "mvno")
    request = parse_request({"operators": ["cbn"], "keep": ["８０００", "0001"]})
    assert request.keep == ("8000", "0001")  # full-width digits fold, as every number does
    wrong: list[tuple[dict[str, object], str]] = [
        ({}, "operators"),
        ({"operators": []}, "operators"),
        ({"operators": ["cmcc", "cmcc"]}, "operators"),
        ({"operators": ["vno1"]}, "operators"),
        ({"operators": ["cmcc"], "keep": ["800"]}, "keep"),
        ({"operators": ["cmcc"], "keep": ["٨٠٠٠"]}, "keep"),  # Arabic-Indic digits
        ({"operators": ["cmcc"], "keep": ["8000", "8000"]}, "keep"),
        ({"operators": ["cmcc"], "keep": [str(1000 + i) for i in range(21)]}, "keep"),
    ]
    for data, field in wrong:
        with pytest.raises(InvalidFields) as refused:
            parse_request(data)
        assert set(refused.value.fields) == {field}, data
    with pytest.raises(InvalidFields) as both:
        parse_request({"operators": "cmcc", "keep": "8000"})
    assert set(both.value.fields) == {"operators", "keep"}  # every wrong field at once


def test_an_operators_answer() -> None:
    assert parse_answer({"answer": "closed", "count": 2}) == Answer(OperatorAnswer.CLOSED, 2)
    assert parse_answer({"answer": "visit_store"}) == Answer(OperatorAnswer.VISIT_STORE)
    bad: object
    for bad in (
        None,
        [],
        {"answer": "closed"},
        {"answer": "closed", "count": 1000},
        {"answer": "confirmed", "count": 0},
        {"answer": "nope"},
        {"answer": "closed", "count": 1, "reference": "x"},
    ):
        with pytest.raises(InvalidFields):
            parse_answer(bad)
    answer = Answer(OperatorAnswer.CLOSED, 3)
    assert Answer.decode(answer.encode()) == answer


def test_the_lifecycle_never_goes_back_and_refusing_reads_forwarded() -> None:
    assert CopyState.REFUSING.shown is ReportStatus.FORWARDED
    for state, allowed in TRANSITIONS.items():
        assert state not in allowed
    assert TRANSITIONS[CopyState.ANSWERED] == frozenset()
    assert sources(CopyState.ANSWERED) == ["forwarded", "refusing", "submitted"]
    assert CopyState.REFUSING not in ANSWERABLE  # it never went: no operator answers it


def test_a_report_reads_as_its_least_advanced_copy() -> None:
    report = Report(
        "r",
        "t",
        "u",
        {"cmcc": ("cmcc",), MVNO_GROUP: ("vno1", "vno2")},
        {"cmcc": CopyState.ANSWERED, "vno1": CopyState.REFUSING, "vno2": CopyState.ANSWERED},
        0,
        0,
    )
    assert report.status is ReportStatus.FORWARDED
    assert report.group_status("cmcc") is ReportStatus.ANSWERED
    assert report.group_status(MVNO_GROUP) is ReportStatus.FORWARDED


def test_copies_and_what_may_go() -> None:
    groups = copies_of(REG, ["cmcc", MVNO_GROUP])
    assert groups == {"cmcc": ("cmcc",), "mvno": ("vno1", "vno2")}
    refs = {"cmcc": "a", "vno1": "b", "vno2": "c"}
    assert forwardable(groups, refs) == {"cmcc", "vno1", "vno2"}
    assert forwardable(groups, {"cmcc": "a", "vno1": "b"}) == {"cmcc"}  # mvno showed `-`
    assert forwardable(groups, {}) == set()  # a query that did not end result
    no_mvno = REG.__class__(tuple(o for o in REG.operators if o.kind == "basic"), ())
    assert copies_of(no_mvno, [MVNO_GROUP]) == {"mvno": ("mvno",)}  # never goes anywhere
    assert group_names(REG, ["cmcc", MVNO_GROUP]) == "中国移动、转售企业"


def test_who_may_report() -> None:
    def ticket(**changes: object) -> Ticket:
        base = Ticket(
            "t", "phone_cards", TicketStatus.DELIVERED, "138****8000", "u", "wechat", 0, 0
        )
        return base.__class__(**{**base.__dict__, **changes})

    assert reportable(ticket(), 7 * DAY - 1)
    assert not reportable(ticket(), 7 * DAY)
    assert not reportable(ticket(service="internet_accounts"), 1)
    assert not reportable(ticket(status=TicketStatus.PROCESSING), 1)
    assert not reportable(ticket(status=TicketStatus.FAILED), 1)
    assert not reportable(ticket(report="r"), 1)


def test_forwarding_backs_off_for_its_window() -> None:
    policy = ForwardPolicy(window_s=DAY, first_wait_s=30, longest_wait_s=1800)
    waits = [policy.delay(n, 0, 0) for n in range(1, 9)]
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800]
    assert policy.delay(3, 0, DAY - 10) == 10  # the last try at the window's end
    assert policy.delay(3, 0, DAY) is None


def test_message_ids_and_the_short_reference() -> None:
    assert parse_message_id(message_id("abcd" + "x" * 26, "answer", "vno1")) == (
        "abcd" + "x" * 26,
        "answer",
        "vno1",
    )
    assert parse_message_id(message_id("r1", "received")) == ("r1", "received", "")
    assert short_ref("abcdwxyz234567") == "234567" and len(short_ref("a" * 30)) <= 12


TEMPLATES = load_templates()


def test_the_report_sms_wording() -> None:
    render = TEMPLATES.render
    assert render(report_received("中国移动、转售企业", "AB2C3D")) == (
        "【一证通查】您对中国移动、转售企业名下号码的反映已受理,受理编号AB2C3D。"
        "运营商核查后将短信告知结果。"
    )
    assert render(report_answer(Answer(OperatorAnswer.CLOSED, 2), "中国联通", "10010")) == (
        "【一证通查】您反映的中国联通名下非本人号码已核查处理,已注销2张。如有疑问请拨打10010。"
    )
    assert render(report_answer(Answer(OperatorAnswer.CONFIRMED), "中国电信", "10000")) == (
        "【一证通查】经中国电信核查,您名下号码均为本人证件办理。"
        "如有疑问请携带身份证件到营业厅核实,或拨打10000。"
    )
    assert render(report_answer(Answer(OperatorAnswer.VISIT_STORE), "中国广电", "")) == (
        "【一证通查】中国广电需核实您的身份,请本人携带身份证件到营业厅办理,或拨打客服电话。"
    )
    assert render(report_refused()) == (
        "【一证通查】您的反映未能受理:该查询未成功或运营商暂时无法查询。请重新查询后再反映。"
    )


def test_report_variables_fit_a_tencent_account_of_six_characters() -> None:
    """Tencent allows 6 characters per variable on newer accounts: a list of operators, a long
    name or hotline becomes a short summary there; Alibaba's 35 keep them whole."""
    received = report_received("中国移动、中国联通", "AB2C3D").params
    assert fit_params(received, 6) == {"operators": "多家运营商", "ref": "AB2C3D"}
    assert fit_params(received, 35) == received
    answer = report_answer(Answer(OperatorAnswer.CLOSED, 1), "某某移动通信公司", "400-126-0088")
    assert fit_params(answer.params, 6) == {
        "operator": "运营商",
        "count": "1",
        "hotline": "客服电话",
    }
    single = report_answer(Answer(OperatorAnswer.CONFIRMED), "中国移动", "10086").params
    assert fit_params(single, 6) == single


def test_the_official_account_explains_how_to_report() -> None:
    replies = Replies.build("https://yzt.example.cn", GUIDANCE.hotlines)
    for word in ("反映", "我要反映非本人号码", "非本人"):
        reply = replies.for_message(Incoming("text", "openid", "gh_x", 0, 1, content=word))
        assert reply == replies.report
    assert "https://yzt.example.cn/h5/queries" in replies.report and "7天" in replies.report
    assert "反映" in replies.help
