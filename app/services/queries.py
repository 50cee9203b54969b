"""Use cases: submit a query with its code, and read a ticket's status (never its result)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain import spelling
from app.domain.codes import CodeCheckOutcome
from app.domain.errors import (
    CodeExpired,
    CodeMismatch,
    InvalidFields,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from app.domain.forms import QueryForm, Service, parse_form
from app.domain.hashing import KeyedHasher
from app.domain.masking import mask_phone
from app.domain.tickets import Ticket, TicketEnd, TicketStatus
from app.ports.runtime import Clock, Sealer, TaskQueue
from app.ports.state import Codes, Redemption, Tickets
from app.services.caller import Caller

log = logging.getLogger(__name__)
CODE_MESSAGE = "请输入6位数字验证码"
_TICKET_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Accepted:
    ticket: str
    status: str
    message: str


@dataclass(frozen=True)
class SubmitQuery:
    codes: Codes
    tickets: Tickets
    queue: TaskQueue
    forms: Sealer  # the form at rest, until the task runs
    hasher: KeyedHasher
    clock: Clock

    def __call__(self, caller: Caller, data: Mapping[str, Any]) -> Accepted:
        code = _code_of(data.get("code"))
        try:
            form = parse_form(data)
        except InvalidFields as exc:
            if code is None:
                exc.fields["code"] = [CODE_MESSAGE]
            raise
        if code is None:
            raise InvalidFields({"code": [CODE_MESSAGE]})
        phone_h = self.hasher.identifier("phone", form.phone)
        ticket = self.new_ticket(caller, form, phone_h, notify=data.get("notify") is True)
        # Sealed before the code is checked: the check and the ticket are one atomic step.
        digest = self.hasher.code_digest(code, form.binding())
        sealed = self.seal_form(ticket, form, caller)
        check = self.codes.redeem(Redemption(str(form.service), phone_h, digest, ticket, sealed))
        if check.outcome is CodeCheckOutcome.LIMITED:
            log.info("submit refused by the user's limit", extra={"wait": check.retry_after})
            raise TooManyRequests(check.retry_after)
        if check.outcome is CodeCheckOutcome.EXPIRED:
            raise CodeExpired()
        if check.outcome is CodeCheckOutcome.MISMATCH:
            raise CodeMismatch(check.attempts_left)
        if not check.enqueued:  # else the code's redemption queued the task too (one round trip)
            self.enqueue(ticket)
        log.info("query accepted", extra={"ticket": ticket.id, "service": form.service})
        # The same answer whatever the partners will say: no oracle.
        message = f"查询已受理,结果将通过短信发送至{ticket.phone_masked}"
        return Accepted(ticket.id, str(ticket.status), message)

    def enqueue(self, ticket: Ticket) -> None:
        try:
            self.queue.enqueue_run_query(ticket.id)
        except Exception:
            log.exception("enqueue failed", extra={"ticket": ticket.id})
            end = TicketEnd(TicketStatus.FAILED, self.clock.now(), give_back=True, audit={})
            self.tickets.finish(ticket, end)
            raise ServiceUnavailable() from None

    def seal_form(self, ticket: Ticket, form: QueryForm, caller: Caller) -> bytes:
        """The form, encrypted until the task runs. With notify, also who gets the platform
        notice (the openid / user id): sealed with the form and purged with it."""
        payload: dict[str, Any] = form.to_dict()
        if ticket.notify:
            payload["notify_to"] = caller.user.user_id
        return self.forms.seal(json.dumps(payload).encode(), ticket.id.encode())

    def new_ticket(self, caller: Caller, form: QueryForm, phone_h: str, notify: bool) -> Ticket:
        now = self.clock.now()
        cards = form.service is Service.PHONE_CARDS
        id_h = self.hasher.identifier("id", form.id_number) if cards else ""
        return Ticket(
            id=self.tickets.new_id(phone_h),
            service=str(form.service),
            status=TicketStatus.ACCEPTED,
            phone_masked=mask_phone(form.phone),
            owner_h=caller.user_h(self.hasher),
            platform=caller.user.platform,
            created_at=now,
            updated_at=now,
            notify=notify,
            quota={"service": str(form.service), "phone_h": phone_h, "id_h": id_h},
            channel=caller.channel,
        )


@dataclass(frozen=True)
class ReadTicket:
    tickets: Tickets
    hasher: KeyedHasher

    def __call__(self, caller: Caller, ticket_id: str) -> Ticket:
        known = _TICKET_RE.fullmatch(ticket_id)
        ticket = self.tickets.get(ticket_id) if known else None
        if ticket is None or ticket.owner_h != caller.user_h(self.hasher):
            raise NotFound()  # another user's ticket looks exactly like an unknown one
        return ticket


def _code_of(raw: Any) -> str | None:
    """The code in its one spelling (full-width digits fold to ASCII), or None if it is not
    six ASCII digits then."""
    if not isinstance(raw, str):
        return None
    code = spelling.code(raw)
    return code if spelling.CODE.fullmatch(code) else None
