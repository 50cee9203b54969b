"""The SMS wording (product.md, "The SMS messages"): exact texts, lengths, parameter limits."""

from __future__ import annotations

import copy
import itertools
import re

import pytest

from app.domain.forms import Service
from app.domain.outcomes import (
    CardsAnswer,
    Outcome,
    OutcomeKind,
    decide_accounts,
    decide_phone_cards,
)
from app.domain.providers import load_registry
from app.domain.reports import Answer, OperatorAnswer
from app.wiring.files import load_templates
from notices.sms import (
    Message,
    Templates,
    check_code_templates,
    code_message,
    outcome_message,
    report_answer,
    report_received,
    report_refused,
)
from tests.unit.registry_data import COMPANIES, OPERATORS, REG, REGISTRY_DATA, cards, counts

TEMPLATES: Templates = load_templates()
MAX_CHARS = 3 * 67
MAX_PARAM = 35


def rendered(outcome: Outcome) -> str:
    return TEMPLATES.render(outcome_message(outcome))


# --- exact wording, copied from product.md ---------------------------------------------------


def test_code_message_wording() -> None:
    message = code_message("123456", Service.PHONE_CARDS)
    assert message == Message("code_phone_cards", {"code": "123456"})  # the one variable
    assert TEMPLATES.render(message) == (
        "【一证通查】您的验证码为123456,5分钟内有效。"
        "您正在使用“移动电话卡”查询服务,请勿将验证码告知他人。"
    )
    message = code_message("000042", Service.INTERNET_ACCOUNTS)
    assert message.template == "code_internet_accounts"
    text = TEMPLATES.render(message)
    assert text == (
        "【一证通查】您的验证码为000042,5分钟内有效。"
        "您正在使用“互联网账号”查询服务,请勿将验证码告知他人。"
    )


def test_phone_cards_result_wording() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(
            cmcc=CardsAnswer(2, "active"),
            cucc=CardsAnswer(1, "none"),
            vno1=CardsAnswer(1, "none"),
            vno2=CardsAnswer(1, "none"),
        ),
    )
    assert outcome_message(outcome).template == "phone_cards_result"
    assert rendered(outcome) == (
        "【一证通查】您查询的证件号码名下共有在网移动电话卡5张:中国移动2张,中国联通1张,"
        "中国电信0张,中国广电0张,转售企业2张。如发现非本人办理的号码,"
        "可在一证通查“我的查询”中一键反映,或本人携带身份证件到营业厅办理。"
    )


def test_phone_cards_partial_wording() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(
            cmcc=CardsAnswer(2, "active"),
            cucc=None,
            ctcc=CardsAnswer(1, "none"),
            vno1=CardsAnswer(1, "none"),
            vno2=None,
        ),
    )
    assert outcome_message(outcome).template == "phone_cards_partial"
    assert rendered(outcome) == (
        "【一证通查】您查询的证件号码名下共有在网移动电话卡4张:中国移动2张,中国联通-张,"
        "中国电信1张,中国广电0张,转售企业-张。如发现非本人办理的号码,"
        "可在一证通查“我的查询”中一键反映,或本人携带身份证件到营业厅办理。"
        "中国联通、转售企业暂时无法查询,请稍后重试,本次不计入查询次数。"
    )


def test_internet_accounts_result_wording() -> None:
    outcome = decide_accounts(
        REG,
        counts(
            tencent={"wechat": 1, "qq": 2},
            alibaba={"taobao": 1, "xianyu": 0, "dingtalk": 0},
            alipay={"alipay": 1},
            baidu={"baidu": 0},
            kuaishou={"kuaishou": 0},
            douyin={"douyin": 1},
            jd={"jd": 0},
            meituan={"meituan": 1},
        ),
    )
    assert outcome_message(outcome).template == "internet_accounts_result"
    assert rendered(outcome) == (
        "【一证通查】您的手机号共关联互联网账号7个:微信1个、QQ2个、淘宝1个、闲鱼0个、钉钉0个、"
        "支付宝1个、百度0个、快手0个、抖音1个、京东0个、美团1个。"
        "明细查询与解绑方法请见“解绑与明细查询说明”。"
    )


def test_internet_accounts_partial_wording() -> None:
    outcome = decide_accounts(
        REG,
        counts(
            tencent={"wechat": 1, "qq": 0},
            alibaba=None,
            alipay={"alipay": 1},
            baidu={"baidu": 0},
            kuaishou={"kuaishou": 0},
            douyin={"douyin": 0},
            jd={"jd": 0},
            meituan=None,
        ),
    )
    assert outcome_message(outcome).template == "internet_accounts_partial"
    assert rendered(outcome) == (
        "【一证通查】您的手机号共关联互联网账号2个:微信1个、QQ0个、淘宝-个、闲鱼-个、钉钉-个、"
        "支付宝1个、百度0个、快手0个、抖音0个、京东0个、美团-个。"
        "明细查询与解绑方法请见“解绑与明细查询说明”。"
        "淘宝、闲鱼、钉钉、美团暂时无法查询,请稍后重试,本次不计入查询次数。"
    )


def test_product_example_meituan() -> None:
    outcome = decide_accounts(REG, counts(meituan=None))
    assert rendered(outcome).endswith("美团暂时无法查询,请稍后重试,本次不计入查询次数。")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            OutcomeKind.MISMATCH,
            "【一证通查】您提交的信息与号码登记信息不符,查询未成功。请核对后于24小时后重新查询。",
        ),
        (
            OutcomeKind.NUMBER_INACTIVE,
            "【一证通查】您的手机号不在服务状态(已注销或停机),无法使用本服务查询。"
            "如需查询已注销号码关联的互联网账号,请拨打相关企业客服电话。",
        ),
        (
            OutcomeKind.UNAVAILABLE,
            "【一证通查】系统繁忙,您的查询暂时无法完成,本次不计入查询次数,请稍后重试。",
        ),
    ],
)
@pytest.mark.parametrize("service", list(Service))
def test_stop_wording(kind: OutcomeKind, expected: str, service: Service) -> None:
    message = outcome_message(Outcome(service, kind))
    assert message == Message(str(kind), {})
    assert TEMPLATES.render(message) == expected


def test_signature_is_configurable() -> None:
    templates = load_templates(signature="反诈中心")
    text = templates.render(outcome_message(Outcome(Service.PHONE_CARDS, OutcomeKind.UNAVAILABLE)))
    assert text.startswith("【反诈中心】系统繁忙")


def test_every_template_has_a_gateway_id_and_known_placeholders() -> None:
    products = {p.id for p in REG.products}
    columns = {"cmcc", "cucc", "ctcc", "cbn", "mvno"}
    expected = {
        "code_phone_cards": {"code"},
        "code_internet_accounts": {"code"},
        "phone_cards_result": {"total"} | columns,
        "phone_cards_partial": {"total", "unavailable"} | columns,
        "internet_accounts_result": {"total"} | products,
        "internet_accounts_partial": {"total", "unavailable"} | products,
        "mismatch": set(),
        "number_inactive": set(),
        "unavailable": set(),
        "report_received": {"operators", "ref"},
        "report_closed": {"operator", "count", "hotline"},
        "report_confirmed": {"operator", "hotline"},
        "report_visit_store": {"operator", "hotline"},
        "report_refused": set(),
    }
    assert set(TEMPLATES.texts) == set(expected)
    for name, placeholders in expected.items():
        assert TEMPLATES.placeholders(name) == placeholders, name
        assert TEMPLATES.gateway_id(name, "sandbox")


# --- lengths: within 3 parts, every parameter within 35 characters ---------------------------


def _all_outcomes() -> list[Outcome]:
    """Every outcome the registry can produce, with large realistic counts."""
    outcomes = [
        Outcome(s, k) for s in Service for k in (OutcomeKind.MISMATCH, OutcomeKind.NUMBER_INACTIVE)
    ]
    outcomes += [Outcome(s, OutcomeKind.UNAVAILABLE) for s in Service]
    for n in range(len(OPERATORS)):
        for silent in itertools.combinations(OPERATORS[1:], n):  # cmcc confirms the phone
            answers = {o: None if o in silent else CardsAnswer(15, "none") for o in OPERATORS}
            answers["cmcc"] = CardsAnswer(15, "active")
            outcomes.append(decide_phone_cards(REG, answers))
    for n in range(len(COMPANIES)):
        for silent in itertools.combinations(COMPANIES, n):
            answers_c = counts(**dict.fromkeys(silent))
            for company in REG.companies:
                if company.id not in silent:
                    answers_c[company.id] = {p.id: 99 for p in company.products}
            outcomes.append(decide_accounts(REG, answers_c))
    return outcomes


ALL_OUTCOMES = _all_outcomes()
REPORT_MESSAGES = [
    report_received("中国移动、中国联通、中国电信、中国广电、转售企业", "ABCDEF"),
    report_refused(),
    *(report_answer(Answer(kind, 999), "转售企业甲", "10086") for kind in OperatorAnswer),
]


def test_all_outcomes_cover_every_template() -> None:
    used = {outcome_message(o).template for o in ALL_OUTCOMES}
    used |= {code_message("1", s).template for s in Service}
    used |= {m.template for m in REPORT_MESSAGES}
    assert used == set(TEMPLATES.texts)
    assert len(ALL_OUTCOMES) > 250


@pytest.mark.parametrize("outcome", ALL_OUTCOMES, ids=lambda o: f"{o.kind}-{len(o.unavailable)}")
def test_outcome_sms_fits_three_parts_and_short_params(outcome: Outcome) -> None:
    message = outcome_message(outcome)
    for name, value in message.params.items():
        assert len(value) <= MAX_PARAM, (name, value)
    text = TEMPLATES.render(message)
    assert len(text) <= MAX_CHARS, (len(text), text)
    assert "{" not in text and "None" not in text


def test_code_sms_fits() -> None:
    for service in Service:
        message = code_message("999999", service)
        assert all(len(v) <= MAX_PARAM for v in message.params.values())
        assert len(TEMPLATES.render(message)) <= 70  # one part


def test_worst_case_parameters_fit_every_template() -> None:
    """Counts of 3 digits, a total of 4 digits and a 35-character list still fit 3 parts."""
    for name in TEMPLATES.texts:
        params = {p: "999" for p in TEMPLATES.placeholders(name)}
        params |= {"total": "9999", "unavailable": "字" * MAX_PARAM, "code": "999999"}
        params = {k: v for k, v in params.items() if k in TEMPLATES.placeholders(name)}
        text = TEMPLATES.render(Message(name, params))
        assert len(text) <= MAX_CHARS, (name, len(text))


def test_current_registry_lists_stay_within_35_characters() -> None:
    silent = [c for c in COMPANIES if c != "jd"]
    outcome = decide_accounts(REG, counts(**dict.fromkeys(silent)))
    assert outcome_message(outcome).params["unavailable"] == "、".join(outcome.unavailable)


def test_long_unavailable_list_falls_back_to_partial_name() -> None:
    """More companies will join: a list over 35 characters becomes 部分企业."""
    data = copy.deepcopy(REGISTRY_DATA)
    for cid, name in (("pdd", "拼多多"), ("xhs", "小红书"), ("weibo", "微博")):
        data["companies"].append(
            {
                "id": cid,
                "name": name,
                "endpoint": f"https://{cid}.invalid/yzt",
                "secret_env": f"PARTNER_SECRET_{cid.upper()}",
                "products": [{"id": cid, "name": name}],
            }
        )
    bigger = load_registry(data, include_sandbox_only=True)
    answers: dict[str, dict[str, int] | None] = {c.id: None for c in bigger.companies}
    answers["jd"] = {"jd": 1}
    outcome = decide_accounts(bigger, answers)
    assert outcome.kind is OutcomeKind.PARTIAL
    assert len("、".join(outcome.unavailable)) > MAX_PARAM
    message = outcome_message(outcome)
    assert message.params["unavailable"] == "部分企业"
    assert all(len(v) <= MAX_PARAM for v in message.params.values())


def test_list_of_exactly_35_characters_is_kept() -> None:
    outcome = Outcome(
        Service.INTERNET_ACCOUNTS,
        OutcomeKind.PARTIAL,
        counts={p.id: None for p in REG.products},
        unavailable=("甲" * 17, "乙" * 17),
    )
    assert outcome_message(outcome).params["unavailable"] == "甲" * 17 + "、" + "乙" * 17


def test_signature_is_in_front() -> None:
    for outcome in ALL_OUTCOMES[:10]:
        assert re.match(r"^【一证通查】", rendered(outcome))


# --- the code templates and CODE_TTL_S ---------------------------------------------------------


def test_the_code_templates_are_verification_templates_that_fit_the_code_ttl() -> None:
    for service in Service:
        assert TEMPLATES.kinds[code_message("1", service).template] == "verification"
    check_code_templates(TEMPLATES, 300)  # "5分钟" in the registered text


@pytest.mark.parametrize("ttl_s", [600, 330, 60])
def test_a_code_ttl_the_registered_text_does_not_say_is_refused(ttl_s: int) -> None:
    with pytest.raises(ValueError, match="CODE_TTL_S"):
        check_code_templates(TEMPLATES, ttl_s)


def test_a_code_template_with_more_than_the_code_is_refused() -> None:
    texts = dict(TEMPLATES.texts)
    texts["code_phone_cards"] = "您的验证码为{code},{minutes}分钟内有效。"
    with pytest.raises(ValueError, match="one variable"):
        check_code_templates(
            Templates(TEMPLATES.signature, texts, TEMPLATES.ids, TEMPLATES.kinds), 300
        )
