"""The report use cases over fakes: submitting, forwarding (with its retries, breakers and
window), the operators' answers and the SMS of each step, exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import pytest

from adapters.partner_signing import signed_headers
from app.domain.errors import (
    AlreadyReported,
    InvalidFields,
    NotFound,
    NotReportable,
    PartnerUnauthenticated,
    ServiceUnavailable,
    WrongOperator,
)
from app.domain.outcomes import CardsAnswer
from app.domain.reports import CopyState, ReportStatus
from app.ports.messages import SmsThrottled
from app.ports.partners import PartnerRejected
from app.ports.state import AnswerReceipt
from tests.fakes.outside import DOWN, FakeSms
from tests.unit.report_world import ReportWorld, cards_with_references, make_report_world
from tests.unit.world import ALICE, BOB, PHONE, accounts_form

CLOSED = {"answer": "closed", "count": 1}


@pytest.fixture
def rw() -> ReportWorld:
    return make_report_world()


def statuses(rw: ReportWorld, report: str) -> dict[str, str]:
    found = rw.read_report(ALICE, report)
    return {"report": found.status, **{g: found.group_status(g) for g in found.groups}}


def test_a_report_goes_to_each_operator_of_its_groups_with_their_references(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["cmcc", "mvno"], keep=["8000", "１２３４"])
    assert statuses(rw, report)["report"] == "submitted"
    rw.run_tasks()
    received = {(op, ref, rid, keep) for op, ref, rid, keep in rw.world.partners.received}
    assert received == {
        (op, f"ref-{op}", report, ("8000", "1234")) for op in ("cmcc", "vno1", "vno2")
    }
    assert statuses(rw, report) == {"report": "forwarded", "cmcc": "forwarded", "mvno": "forwarded"}
    (sent,) = rw.sms("report_received")
    assert sent.phone == PHONE and sent.idempotency_key == f"{report}.received"
    assert sent.params == {"operators": "中国移动、转售企业", "ref": report[-6:].upper()}
    record = rw.world.state.reports.open(report)
    assert record is not None and record.sealed_keep is None  # every copy went: keep forgotten
    assert PHONE.encode() not in rw.world.store.raw_bytes  # the phone only sealed


def test_a_query_that_did_not_end_result_forwards_nothing(rw: ReportWorld):
    rw.world.partners.cards = cards_with_references(cmcc=CardsAnswer(0, "none", "ref-cmcc"))
    ticket = rw.delivered()
    assert rw.world.results()[-1].template == "mismatch"
    report = rw.report(ticket, ["cmcc", "mvno"])  # the same answer as for a result
    assert statuses(rw, report)["report"] == "submitted"
    rw.run_tasks()
    assert rw.world.partners.received == []
    assert [s.template for s in rw.world.results()[-1:]] == ["report_refused"]
    assert statuses(rw, report) == {"report": "answered", "cmcc": "answered", "mvno": "answered"}
    basis = rw.world.state.reports.basis(ticket)
    assert basis is not None and basis.references == {}  # the phone only: nothing to forward


def test_a_group_whose_count_was_a_dash_is_refused_the_others_go(rw: ReportWorld):
    rw.world.partners.cards = cards_with_references(vno2=DOWN)  # mvno shows `-`
    ticket = rw.delivered()
    assert rw.world.results()[-1].template == "phone_cards_partial"
    report = rw.report(ticket, ["cmcc", "mvno"])
    rw.run_tasks()
    assert {r[0] for r in rw.world.partners.received} == {"cmcc"}  # not even vno1
    assert rw.sms("report_received")[0].params["operators"] == "中国移动"
    assert len(rw.sms("report_refused")) == 1
    assert statuses(rw, report) == {"report": "forwarded", "cmcc": "forwarded", "mvno": "answered"}


def test_an_operator_down_gets_it_later_with_backoff_then_once(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.partners.reports["cmcc"] = DOWN
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks(limit=1)
    assert statuses(rw, report)["cmcc"] == "submitted"
    (retry,) = rw.world.queue.tasks
    assert (retry.attempt, retry.delay_s) == (1, 30)
    rw.run_tasks(limit=1)
    assert rw.world.queue.tasks[0].delay_s == 60  # doubling
    del rw.world.partners.reports["cmcc"]  # back
    rw.run_tasks()
    assert [r[0] for r in rw.world.partners.received] == ["cmcc"]
    assert statuses(rw, report)["cmcc"] == "forwarded"
    assert rw.sms("report_refused") == [] and len(rw.sms("report_received")) == 1


def test_an_operator_down_for_the_whole_window_is_refused(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.partners.reports["cmcc"] = DOWN
    report = rw.report(ticket, ["cmcc"])
    ran = rw.run_tasks(limit=200)
    forwards = [r for r in ran if r.startswith("forward_report")]
    assert 20 < len(forwards) < 100  # 30 s doubling to 30 min, for 24 hours
    assert rw.world.queue.tasks == []  # and then no more
    assert statuses(rw, report)["cmcc"] == "answered"
    assert len(rw.sms("report_refused")) == 1
    assert rw.world.partners.received == []


def test_the_breaker_applies_as_for_queries(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.partners.reports["cmcc"] = DOWN
    rw.report(ticket, ["cmcc"])
    rw.run_tasks(limit=5)  # 5 failed calls in a row: the breaker opens
    calls = len([c for c in rw.world.partners.calls if c == ("report", "cmcc")])
    # the next retry at once, inside the cool-down
    rw.world.queue.tasks[0] = dataclasses.replace(rw.world.queue.tasks[0], delay_s=0)
    rw.run_tasks(limit=1)
    assert len([c for c in rw.world.partners.calls if c == ("report", "cmcc")]) == calls  # shed


def test_an_operator_that_refuses_the_reference_refuses_the_copy(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.partners.reports["cmcc"] = PartnerRejected("404 unknown_reference")
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks()
    assert statuses(rw, report)["cmcc"] == "answered"
    assert len(rw.sms("report_refused")) == 1
    assert rw.world.queue.tasks == []  # never retried


def test_a_stale_message_of_the_retry_chain_does_nothing(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.partners.reports["cmcc"] = DOWN
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks(limit=1)
    del rw.world.partners.reports["cmcc"]
    asyncio.run(rw.forward(report, 0))  # a redelivered first message
    assert rw.world.partners.received == []
    assert len(rw.sms("report_received")) == 1


def test_an_answer_becomes_one_sms_however_often_it_comes(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks()
    assert rw.answer(report, "cmcc", CLOSED) is AnswerReceipt.NEW
    assert rw.answer(report, "cmcc", CLOSED) is AnswerReceipt.PENDING  # before its SMS
    rw.run_tasks()
    assert rw.answer(report, "cmcc", CLOSED) is AnswerReceipt.DONE
    rw.run_tasks()
    (sent,) = rw.sms("report_closed")
    assert sent.params == {"operator": "中国移动", "count": "1", "hotline": "10086"}
    assert statuses(rw, report)["report"] == "answered"
    assert rw.world.state.reports.open(report).answers == {}  # type: ignore[union-attr]
    events = [e for e in rw.world.store.audit if e.get("report") == report]
    assert [e["step"] for e in events] == ["submitted", "forwarded", "answered"]
    assert not any("closed" in str(e) for e in events)


def test_a_throttled_answer_waits_and_is_sent_once(no_backoff: None):
    rw = make_report_world(sms=FakeSms(error=SmsThrottled))
    ticket = rw.delivered()
    report = rw.report(ticket, ["ctcc"])
    rw.run_tasks()
    rw.world.sms.fail_times = 1  # the gateway throttles the number once
    rw.answer(report, "ctcc", {"answer": "visit_store"})
    ran = rw.run_tasks()
    assert [r.split(":")[-1] for r in ran] == ["0", "1"]  # the answer, then its retry
    (sent,) = rw.sms("report_visit_store")
    assert sent.params == {"operator": "中国电信", "hotline": "10000"}
    assert rw.world.state.reports.open(report).answers == {}  # type: ignore[union-attr]


def test_an_operator_without_a_hotline_is_told_as_its_customer_service(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["mvno"])
    rw.run_tasks()
    rw.answer(report, "vno1", {"answer": "confirmed"})
    rw.run_tasks()
    (sent,) = rw.sms("report_confirmed")
    assert sent.params == {"operator": "转售企业甲", "hotline": "客服电话"}
    assert statuses(rw, report)["mvno"] == "forwarded"  # vno2 has not answered


def test_answers_that_are_not_the_operators_are_refused(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks()
    refusals = [
        (lambda: rw.answer(report, "cmcc", CLOSED, key="forged"), "bad_signature"),
        (lambda: rw.answer(report, "tencent", CLOSED), "bad_signature"),
        (lambda: rw.answer(report, "cmcc", CLOSED, now=time.time() - 3600), "stale_timestamp"),
    ]
    for call, code in refusals:
        with pytest.raises(PartnerUnauthenticated) as refused:
            call()
        assert refused.value.code == code
    with pytest.raises(WrongOperator):
        rw.answer(report, "cucc", CLOSED)
    with pytest.raises(NotFound):
        rw.answer(report[:-1] + "a", "cmcc", CLOSED)
    with pytest.raises(InvalidFields):
        rw.answer(report, "cmcc", {"answer": "closed"})
    assert rw.sms("report_closed") == []


def test_a_replayed_answer_is_refused(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks()
    path, raw = f"/partners/v1/reports/{report}/answer", json.dumps(CLOSED).encode()
    headers = signed_headers(
        "cmcc", b"sandbox-secret-cmcc", "POST", path, raw, now=rw.world.clock.now()
    )
    assert rw.accept_answer(report, path, headers, raw) is AnswerReceipt.NEW
    with pytest.raises(PartnerUnauthenticated) as refused:
        rw.accept_answer(report, path, headers, raw)
    assert refused.value.code == "replayed"


def test_what_may_be_reported(rw: ReportWorld):
    ticket = rw.delivered()
    with pytest.raises(NotFound):
        rw.report(ticket, ["cmcc"], caller=BOB)
    with pytest.raises(InvalidFields):
        rw.report(ticket, ["cmcc", "cmcc"])
    accounts = rw.world.accepted(accounts_form(phone="13900139000"))
    rw.world.run(accounts)
    with pytest.raises(NotReportable):
        rw.report(accounts, ["cmcc"])
    listed = {q.ticket.id: q.reportable for q in rw.list_queries(ALICE)}
    assert listed == {ticket: True, accounts: False}
    rw.report(ticket, ["cmcc"])
    with pytest.raises(AlreadyReported):
        rw.report(ticket, ["cucc"])
    assert {q.ticket.id: q.reportable for q in rw.list_queries(ALICE)}[ticket] is False
    assert rw.list_queries(BOB) == []
    rw.world.clock.advance(7 * 86400)
    assert rw.list_queries(ALICE) == []  # 7 days: no longer listed


def test_a_report_whose_task_cannot_be_queued_can_be_made_again(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.queue.fail = True
    with pytest.raises(ServiceUnavailable):
        rw.report(ticket, ["cmcc"])
    rw.world.queue.fail = False
    assert rw.report(ticket, ["cmcc"])


def test_a_report_without_its_basis_is_refused_without_an_sms(rw: ReportWorld):
    ticket = rw.delivered()
    rw.world.state.memory.delete(f"refs:{ticket}")  # expired, or the key store lost
    report = rw.report(ticket, ["cmcc"])
    rw.run_tasks()
    assert rw.world.partners.received == [] and rw.sms("report_refused") == []
    assert statuses(rw, report)["report"] == "answered"


def test_the_report_status_is_the_least_advanced_copy(rw: ReportWorld):
    ticket = rw.delivered()
    report = rw.report(ticket, ["cmcc", "cucc"])
    rw.run_tasks()
    rw.answer(report, "cmcc", CLOSED)
    found = rw.read_report(ALICE, report)
    assert found.copies["cmcc"] is CopyState.ANSWERED
    assert found.status is ReportStatus.FORWARDED
