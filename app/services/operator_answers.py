"""Use case (API): an operator's answer to a 非本人 report, a signed call from the operator
(docs/partner-protocol.md, "Calls from operators"). Checked as partners check ours: the
signature under that operator's key, the timestamp within the window, the nonce never seen;
then the report must have gone to that very operator. Recorded once; its SMS is the worker's."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import (
    NotFound,
    PartnerUnauthenticated,
    ServiceUnavailable,
    WrongOperator,
)
from app.domain.reports import ANSWER, message_id, parse_answer
from app.ports.partners import SignedCalls
from app.ports.runtime import REPORT_SMS, Clock, TaskQueue
from app.ports.state import AnswerReceipt, Nonces, Reports
from app.services.reports import is_report_id, report_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AcceptOperatorAnswer:
    calls: SignedCalls
    nonces: Nonces
    reports: Reports
    queue: TaskQueue
    clock: Clock

    def __call__(
        self, report_id: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> AnswerReceipt:
        now = self.clock.now()
        check = self.calls.check(path, headers, body, now)
        if not check.ok:
            log.warning("operator call refused", extra={"reason": check.reason})
            raise PartnerUnauthenticated(check.reason)
        # The nonce is kept until its timestamp leaves the window: a copy replayed at any
        # moment the timestamp still passes is refused.
        keep_s = int(check.timestamp + self.calls.replay_window_s - now) + 1
        if not self.nonces.first_use(check.partner, check.nonce, keep_s):
            log.warning("operator call replayed", extra={"partner": check.partner})
            raise PartnerUnauthenticated("replayed")
        try:
            answer = parse_answer(json.loads(body))
        except (ValueError, UnicodeDecodeError):
            answer = parse_answer(None)  # raises InvalidFields
        report = self.reports.get(report_id) if is_report_id(report_id) else None
        if report is None:
            raise NotFound("未找到该反映")
        event = report_event(report, "answered", [check.partner])
        receipt = self.reports.accept_answer(report_id, check.partner, answer, now, event)
        extra = {"report": report_id, "partner": check.partner, "receipt": str(receipt)}
        if receipt is AnswerReceipt.UNKNOWN:
            raise NotFound("未找到该反映")
        if receipt is AnswerReceipt.NOT_SENT_THERE:
            log.warning("answer from an operator the report did not go to", extra=extra)
            raise WrongOperator()
        log.info("operator answer", extra=extra)
        if receipt in (AnswerReceipt.NEW, AnswerReceipt.PENDING):  # its SMS has not gone yet
            self._enqueue(message_id(report_id, ANSWER, check.partner))
        return receipt

    def _enqueue(self, message: str) -> None:
        try:
            self.queue.enqueue_task(REPORT_SMS, message)
        except Exception:
            # the answer is kept: the operator's retry (a 503 is retried) queues it again
            log.exception("enqueue failed", extra={"report": message})
            raise ServiceUnavailable() from None
