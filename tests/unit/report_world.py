"""The unit tests' world for 非本人 reports: the world of tests/unit/world.py, whose queries keep
a report basis, and the report use cases over the same fakes (the tasks they queue are run by
hand, the clock moved for the delayed ones)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from adapters.partner_signing import PartnerCallChecker, signed_headers
from adapters.sealing import AesGcmSealer
from app.domain.outcomes import CardsAnswer
from app.domain.reports import ForwardPolicy
from app.ports.runtime import FORWARD_REPORT, REPORT_SMS
from app.ports.state import AnswerReceipt
from app.services.caller import Caller
from app.services.delivery import Run
from app.services.forward_report import ForwardReport
from app.services.operator_answers import AcceptOperatorAnswer
from app.services.report_sms import ReportMessages, SendReportSms
from app.services.reports import ListQueries, ReadReport, SubmitReport
from tests.unit.registry_data import OPERATORS, REG
from tests.unit.world import ALICE, World, cards_form, make_world

HOTLINES = {"cmcc": "10086", "cucc": "10010", "ctcc": "10000", "cbn": "10099"}
POLICY = ForwardPolicy(window_s=86400, first_wait_s=30, longest_wait_s=1800)


def cards_with_references(**answers: Any) -> dict[str, Any]:
    """Every operator answers with its reference; cmcc confirms the phone and holds 2 cards."""
    base: dict[str, Any] = {o: CardsAnswer(0, "none", f"ref-{o}") for o in OPERATORS}
    base["cmcc"] = CardsAnswer(2, "active", "ref-cmcc")
    return {**base, **answers}


@dataclass
class ReportWorld:
    world: World
    list_queries: ListQueries
    submit_report: SubmitReport
    read_report: ReadReport
    accept_answer: AcceptOperatorAnswer
    forward: ForwardReport
    send_sms: SendReportSms

    def delivered(self, caller: Caller = ALICE, **form: Any) -> str:
        """A 移动电话卡 query run to its end: its ticket."""
        ticket = self.world.accepted(cards_form(**form), caller)
        assert self.world.run(ticket) == "delivered"
        return ticket

    def report(self, ticket: str, groups: list[str], caller: Caller = ALICE, **extra: Any) -> str:
        body = {"operators": groups, **extra}
        return self.submit_report(caller, ticket, body).report

    def run_tasks(self, limit: int = 50) -> list[str]:
        """Run the queued report tasks in order, the clock moved to each delayed one; the tasks
        that ran (task:key:attempt)."""
        ran: list[str] = []
        queue = self.world.queue.tasks
        while queue and len(ran) < limit:
            task = queue.pop(0)
            self.world.clock.advance(task.delay_s)
            ran.append(f"{task.task}:{task.key}:{task.attempt}")
            if task.task == FORWARD_REPORT:
                asyncio.run(self.forward(task.key, task.attempt))
            elif task.task == REPORT_SMS:
                asyncio.run(self.send_sms(task.key, Run(task.attempt, task.token)))
        return ran

    def answer(self, report: str, operator: str, body: Any, **sign: Any) -> AnswerReceipt:
        path = f"/partners/v1/reports/{report}/answer"
        raw = json.dumps(body).encode()
        now = sign.pop("now", self.world.clock.now())
        secret = sign.pop("key", f"sandbox-secret-{operator}").encode()
        headers = signed_headers(operator, secret, "POST", path, raw, now=now)
        return self.accept_answer(report, path, headers, raw)

    def sms(self, template: str) -> list[Any]:
        return [s for s in self.world.sms.sent if s.template == template]


def make_report_world(**changes: Any) -> ReportWorld:
    world = make_world(**changes)
    world.partners.cards = cards_with_references()
    phones = AesGcmSealer.from_secret(b"reports-" + world.ctx.hasher.identifier("k", "k").encode())
    world.run_query = replace(world.run_query, report_phones=phones)
    state, clock, queue = world.state, world.clock, world.queue
    sms = replace(world.run_query.result_sms, retry_task=REPORT_SMS)
    messages = ReportMessages(state.reports, sms, state.marks, phones, REG, HOTLINES, clock)
    checker = PartnerCallChecker(
        lambda p: f"sandbox-secret-{p}".encode() if p in OPERATORS else None
    )
    return ReportWorld(
        world=world,
        list_queries=ListQueries(state.my_queries, world.ctx.hasher, clock),
        submit_report=SubmitReport(world.read_ticket, state.reports, REG, queue, phones, clock),
        read_report=ReadReport(state.reports, world.ctx.hasher),
        accept_answer=AcceptOperatorAnswer(checker, state.nonces, state.reports, queue, clock),
        forward=ForwardReport(
            state.reports,
            world.partners,
            world.run_query.fan_out,
            REG,
            messages,
            phones,
            queue,
            clock,
            POLICY,
        ),
        send_sms=SendReportSms(state.reports, messages),
    )
