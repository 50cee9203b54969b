"""How partner answers become one outcome (product.md, "Partners down" and the services)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.domain.forms import Service
from app.domain.outcomes import (
    OWNERSHIP_STOPS,
    CardsAnswer,
    OutcomeKind,
    OwnerAnswer,
    Ownership,
    decide_accounts,
    decide_ownership,
    decide_phone_cards,
)
from app.domain.providers import MVNO_SHORT_NAME, RegistryError, load_registry
from app.domain.quotas import USES_QUOTA, gives_back
from app.domain.tickets import TicketStatus
from tests.unit.registry_data import COMPANIES, OPERATORS, REG, REGISTRY_DATA, cards, counts, owners

# --- the registry ----------------------------------------------------------------------------


def test_registry_from_the_data_file() -> None:
    assert OPERATORS == ["cmcc", "cucc", "ctcc", "cbn", "vno1", "vno2"]
    assert COMPANIES == [
        "tencent",
        "alibaba",
        "alipay",
        "baidu",
        "kuaishou",
        "douyin",
        "jd",
        "meituan",
    ]
    assert [p.id for p in REG.products] == [
        "wechat",
        "qq",
        "taobao",
        "xianyu",
        "dingtalk",
        "alipay",
        "baidu",
        "kuaishou",
        "douyin",
        "jd",
        "meituan",
    ]
    assert len(REG.partners) == 14


def test_sandbox_only_operators_are_left_out_in_production() -> None:
    prod = load_registry(copy.deepcopy(REGISTRY_DATA), include_sandbox_only=False)
    assert [o.id for o in prod.operators] == ["cmcc", "cucc", "ctcc", "cbn"]


def test_operator_groups_and_short_names() -> None:
    by_id = {o.id: o for o in REG.operators}
    assert by_id["cmcc"].group == "cmcc" and by_id["cmcc"].short_name == "中国移动"
    assert by_id["vno1"].group == "mvno" and by_id["vno1"].short_name == MVNO_SHORT_NAME
    assert {c.id: c.short_name for c in REG.companies}["alibaba"] == "淘宝、闲鱼、钉钉"


def _broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(REGISTRY_DATA)
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["operators"].append(dict(d["operators"][0])), "unique"),
        (lambda d: d["companies"].append(dict(d["companies"][0], id="cmcc")), "unique"),
        (lambda d: d["companies"][1]["products"].append({"id": "wechat", "name": "x"}), "product"),
        (lambda d: d["operators"].pop(3), "basic operators missing"),
        (lambda d: d["operators"][4].update(kind="virtual"), "kind must be basic or mvno"),
        (lambda d: d["operators"].append(dict(d["operators"][4], id="x", kind="basic")), "basic"),
        (lambda d: d["companies"][0].update(products=[]), "at least one product"),
        (lambda d: d["companies"][0].pop("endpoint"), "missing"),
        (lambda d: d.pop("operators"), "missing"),
        (lambda d: d["operators"][0].update(batch=-1), "batch must be"),
        (lambda d: d["companies"][0].update(batch="50"), "batch must be"),
        (lambda d: d["companies"][0].update(batch=True), "batch must be"),
        (lambda d: d["operators"][0].update(batch=501), "batch must be"),
    ],
)
def test_registry_flaws_are_refused(mutate: Any, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load_registry(_broken(mutate), include_sandbox_only=True)


def test_the_registry_says_which_partners_take_batches() -> None:
    batches = {p.id: p.batch for p in REG.partners}
    assert batches["cmcc"] == batches["tencent"] == 50
    assert batches["vno2"] == batches["meituan"] == 0  # no batch endpoint: one by one


def test_missing_basic_operator_when_it_is_sandbox_only() -> None:
    data = _broken(lambda d: d["operators"][0].update(sandbox_only=True))
    load_registry(copy.deepcopy(data), include_sandbox_only=True)
    with pytest.raises(RegistryError, match="cmcc"):
        load_registry(data, include_sandbox_only=False)


# --- which outcomes use the quota ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "uses"),
    [
        (OutcomeKind.RESULT, True),
        (OutcomeKind.MISMATCH, True),
        (OutcomeKind.NUMBER_INACTIVE, True),
        (OutcomeKind.PARTIAL, False),
        (OutcomeKind.UNAVAILABLE, False),
    ],
)
def test_uses_quota(kind: OutcomeKind, uses: bool) -> None:
    assert (kind in USES_QUOTA) is uses
    assert gives_back(kind, TicketStatus.DELIVERED) is not uses
    assert gives_back(kind, TicketStatus.FAILED)  # no SMS: always back


def test_every_kind_is_decided_on_quota() -> None:
    assert {k for k in OutcomeKind if k in USES_QUOTA} == {"result", "mismatch", "number_inactive"}


# --- 移动电话卡 ------------------------------------------------------------------------------


def test_cards_result() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(
            cmcc=CardsAnswer(2, "active"),
            cucc=CardsAnswer(1, "none"),
            vno1=CardsAnswer(1, "none"),
            vno2=CardsAnswer(2, "cancelled"),
        ),
    )
    assert outcome.service is Service.PHONE_CARDS
    assert outcome.kind is OutcomeKind.RESULT
    assert dict(outcome.counts) == {"cmcc": 2, "cucc": 1, "ctcc": 0, "cbn": 0, "mvno": 3}
    assert outcome.total == 6
    assert outcome.unavailable == ()


def test_cards_result_when_the_phone_is_active_at_an_mvno() -> None:
    outcome = decide_phone_cards(REG, cards(vno2=CardsAnswer(1, "active")))
    assert outcome.kind is OutcomeKind.RESULT
    assert outcome.counts["mvno"] == 1 and outcome.total == 1


@pytest.mark.parametrize("silent", [None, "cucc", "vno1"])
def test_cards_suspended_phone_is_number_inactive(silent: str | None) -> None:
    answers = cards(cmcc=CardsAnswer(3, "suspended"))
    if silent:
        answers[silent] = None
    outcome = decide_phone_cards(REG, answers)
    assert outcome.kind is OutcomeKind.NUMBER_INACTIVE
    assert not outcome.counts  # nothing about the ID is revealed


def test_cards_cancelled_with_all_answering_is_exactly_a_mismatch() -> None:
    """A recycled number: its new holder tries the old owner's ID and name. The answer must be
    the mismatch itself, not number_inactive, or it would confirm the guess."""
    cancelled = decide_phone_cards(REG, cards(ctcc=CardsAnswer(1, "cancelled")))
    unknown = decide_phone_cards(REG, cards(ctcc=CardsAnswer(1, "none")))
    assert cancelled == unknown
    assert cancelled.kind is OutcomeKind.MISMATCH and cancelled.kind in USES_QUOTA
    assert not cancelled.counts


@pytest.mark.parametrize("silent", ["cmcc", "cbn", "vno2"])
def test_cards_cancelled_with_a_silent_operator_is_unavailable(silent: str) -> None:
    """The number may have been ported to the silent operator: we cannot tell."""
    outcome = decide_phone_cards(REG, cards(ctcc=CardsAnswer(1, "cancelled"), **{silent: None}))
    assert outcome.kind is OutcomeKind.UNAVAILABLE


def test_cards_unconfirmed_with_all_answering_is_mismatch() -> None:
    outcome = decide_phone_cards(REG, cards(cmcc=CardsAnswer(2, "none")))
    assert outcome.kind is OutcomeKind.MISMATCH
    assert not outcome.counts and outcome.total == 0


@pytest.mark.parametrize("silent", OPERATORS)
def test_cards_unconfirmed_with_a_silent_operator_is_unavailable(silent: str) -> None:
    answers = cards(cmcc=CardsAnswer(2, "none"), ctcc=CardsAnswer(1, "none"))
    answers[silent] = None
    outcome = decide_phone_cards(REG, answers)
    assert outcome.kind is OutcomeKind.UNAVAILABLE


def test_cards_all_operators_silent_is_unavailable() -> None:
    outcome = decide_phone_cards(REG, dict.fromkeys(OPERATORS))
    assert outcome.kind is OutcomeKind.UNAVAILABLE
    assert decide_phone_cards(REG, {}).kind is OutcomeKind.UNAVAILABLE


def test_cards_partial_shows_dash_per_silent_column() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(cmcc=CardsAnswer(2, "active"), cucc=None, ctcc=CardsAnswer(1, "none")),
    )
    assert outcome.kind is OutcomeKind.PARTIAL
    assert dict(outcome.counts) == {"cmcc": 2, "cucc": None, "ctcc": 1, "cbn": 0, "mvno": 0}
    assert outcome.total == 3
    assert outcome.unavailable == ("中国联通",)


@pytest.mark.parametrize(("silent", "answering"), [("vno1", "vno2"), ("vno2", "vno1")])
def test_cards_one_silent_mvno_hides_the_mvno_column(silent: str, answering: str) -> None:
    outcome = decide_phone_cards(
        REG,
        cards(cmcc=CardsAnswer(1, "active"), **{silent: None, answering: CardsAnswer(4, "none")}),
    )
    assert outcome.kind is OutcomeKind.PARTIAL
    assert outcome.counts["mvno"] is None
    assert outcome.unavailable == (MVNO_SHORT_NAME,)
    # total counts only the providers that answered: the answering MVNO is one of them
    assert outcome.total == 5


def test_cards_all_mvnos_silent_name_resale_once() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(cmcc=CardsAnswer(1, "active"), cbn=None, vno1=None, vno2=None),
    )
    assert outcome.kind is OutcomeKind.PARTIAL
    assert outcome.counts["mvno"] is None and outcome.counts["cbn"] is None
    assert outcome.unavailable == ("中国广电", MVNO_SHORT_NAME)
    assert outcome.unavailable.count("转售企业") == 1
    assert outcome.total == 1


def test_cards_total_counts_only_operators_that_answered() -> None:
    outcome = decide_phone_cards(
        REG,
        cards(
            cmcc=CardsAnswer(2, "active"),
            cucc=None,
            ctcc=CardsAnswer(3, "none"),
            vno1=CardsAnswer(1, "none"),
        ),
    )
    answered = {"cmcc": 2, "ctcc": 3, "cbn": 0, "vno1": 1, "vno2": 0}
    assert outcome.total == sum(answered.values())


# --- 互联网账号: ownership -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (owners(ctcc=OwnerAnswer("active", True)), Ownership.CONFIRMED),
        (owners(ctcc=OwnerAnswer("active", True), cmcc=None), Ownership.CONFIRMED),
        (owners(ctcc=OwnerAnswer("active", False)), Ownership.MISMATCH),
        (owners(vno1=OwnerAnswer("suspended", True)), Ownership.INACTIVE),
        (owners(vno1=OwnerAnswer("suspended", False)), Ownership.MISMATCH),
        (owners(cmcc=OwnerAnswer("cancelled", True)), Ownership.MISMATCH),  # recycled
        (owners(cmcc=OwnerAnswer("cancelled", False)), Ownership.MISMATCH),
        (owners(cmcc=OwnerAnswer("cancelled", True), cucc=None), Ownership.UNKNOWN),
        (
            owners(cmcc=OwnerAnswer("cancelled", True), cucc=OwnerAnswer("active", True)),
            Ownership.CONFIRMED,
        ),
        (owners(), Ownership.MISMATCH),
        (owners(cbn=None), Ownership.UNKNOWN),
        (dict.fromkeys(OPERATORS), Ownership.UNKNOWN),
    ],
)
def test_ownership(answers: dict[str, OwnerAnswer | None], expected: Ownership) -> None:
    assert decide_ownership(answers) is expected


def test_ownership_stops_map_to_kinds() -> None:
    assert OWNERSHIP_STOPS == {
        Ownership.INACTIVE: OutcomeKind.NUMBER_INACTIVE,
        Ownership.MISMATCH: OutcomeKind.MISMATCH,
        Ownership.UNKNOWN: OutcomeKind.UNAVAILABLE,
    }
    assert Ownership.CONFIRMED not in OWNERSHIP_STOPS


# --- 互联网账号: counts ----------------------------------------------------------------------


def test_accounts_result() -> None:
    outcome = decide_accounts(REG, counts(tencent={"wechat": 2, "qq": 3}, jd={"jd": 0}))
    assert outcome.service is Service.INTERNET_ACCOUNTS
    assert outcome.kind is OutcomeKind.RESULT
    assert outcome.counts["wechat"] == 2 and outcome.counts["qq"] == 3
    assert outcome.counts["jd"] == 0
    assert list(outcome.counts) == [p.id for p in REG.products]
    assert outcome.total == 2 + 3 + 0 + 8  # 8 other products answer 1 each
    assert outcome.unavailable == ()


def test_accounts_partial_names_the_company_by_its_products() -> None:
    outcome = decide_accounts(REG, counts(alibaba=None, meituan=None))
    assert outcome.kind is OutcomeKind.PARTIAL
    assert outcome.unavailable == ("淘宝、闲鱼、钉钉", "美团")
    for product in ("taobao", "xianyu", "dingtalk", "meituan"):
        assert outcome.counts[product] is None
    assert outcome.total == 11 - 4


def test_accounts_missing_company_counts_as_silent() -> None:
    answers = counts()
    del answers["baidu"]
    outcome = decide_accounts(REG, answers)
    assert outcome.kind is OutcomeKind.PARTIAL
    assert outcome.unavailable == ("百度",)


def test_accounts_all_companies_down_is_unavailable() -> None:
    outcome = decide_accounts(REG, dict.fromkeys(COMPANIES))
    assert outcome.kind is OutcomeKind.UNAVAILABLE
    assert not outcome.counts


def test_accounts_one_company_answering_is_partial() -> None:
    answers: dict[str, dict[str, int] | None] = dict.fromkeys(COMPANIES)
    answers["jd"] = {"jd": 2}
    outcome = decide_accounts(REG, answers)
    assert outcome.kind is OutcomeKind.PARTIAL
    assert outcome.total == 2
    assert len(outcome.unavailable) == 7
