"""Use cases: submit a query with its code, and read a ticket's status (never its result)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain import spelling
from app.domain.errors import (
    CodeExpired,
    CodeMismatch,
    InvalidFields,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from app.domain.forms import QueryForm, Service, parse_form
from app.domain.masking import mask_phone
from app.ports import Ticket
from app.services.context import Caller, Context

log = logging.getLogger(__name__)
CODE_MESSAGE = "请输入6位数字验证码"
_TICKET_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Accepted:
    ticket: str
    status: str
    message: str


def submit_query(ctx: Context, caller: Caller, data: Mapping[str, Any]) -> Accepted:
    code = _code_of(data.get("code"))
    try:
        form = parse_form(data)
    except InvalidFields as exc:
        if code is None:
            exc.fields["code"] = [CODE_MESSAGE]
        raise
    if code is None:
        raise InvalidFields({"code": [CODE_MESSAGE]})
    phone_h = ctx.hasher.identifier("phone", form.phone)
    ticket = new_ticket(ctx, caller, form, phone_h, notify=data.get("notify") is True)
    # Sealed before the code is checked: the check and the ticket are one atomic step.
    check = ctx.store.redeem_code(
        str(form.service),
        phone_h,
        ctx.hasher.code_digest(code, form.binding()),
        ctx.settings.code_max_attempts,
        ticket,
        seal_form(ctx, ticket, form, caller),
        ctx.settings.form_ttl_s,
        ctx.settings.query_limit_per_user_hour,
    )
    if check.outcome == "limited":
        log.info("submit refused by the user's limit", extra={"retry_after": check.retry_after})
        raise TooManyRequests(check.retry_after)
    if check.outcome == "expired":
        raise CodeExpired()
    if check.outcome == "mismatch":
        raise CodeMismatch(check.attempts_left)
    try:
        ctx.queue.enqueue_run_query(ticket.id)
    except Exception:
        log.exception("enqueue failed", extra={"ticket": ticket.id})
        ctx.store.finish(ticket, "failed", ctx.clock.now(), give_back=True, audit={})
        raise ServiceUnavailable() from None
    log.info("query accepted", extra={"ticket": ticket.id, "service": form.service})
    # The same answer whatever the partners will say: no oracle.
    message = f"查询已受理,结果将通过短信发送至{ticket.phone_masked}"
    return Accepted(ticket.id, ticket.status, message)


def _code_of(raw: Any) -> str | None:
    """The code in its one spelling (full-width digits fold to ASCII), or None if it is not
    six ASCII digits then."""
    if not isinstance(raw, str):
        return None
    code = spelling.code(raw)
    return code if spelling.CODE.fullmatch(code) else None


def seal_form(ctx: Context, ticket: Ticket, form: QueryForm, caller: Caller) -> bytes:
    """The form, encrypted until the task runs. With notify, also who gets the platform notice
    (the openid / user id): sealed with the form and purged with it."""
    payload: dict[str, Any] = form.to_dict()
    if ticket.notify:
        payload["notify_to"] = caller.user.user_id
    return ctx.form_sealer.seal(json.dumps(payload).encode(), ticket.id.encode())


def new_ticket(ctx: Context, caller: Caller, form: QueryForm, phone_h: str, notify: bool) -> Ticket:
    now = ctx.clock.now()
    id_h = (
        ctx.hasher.identifier("id", form.id_number) if form.service is Service.PHONE_CARDS else ""
    )
    return Ticket(
        id=ctx.store.new_ticket_id(phone_h),
        service=str(form.service),
        status="accepted",
        phone_masked=mask_phone(form.phone),
        owner_h=ctx.hasher.identifier("user", caller.key),
        platform=caller.user.platform,
        created_at=now,
        updated_at=now,
        notify=notify,
        quota={"service": str(form.service), "phone_h": phone_h, "id_h": id_h},
    )


def ticket_status(ctx: Context, caller: Caller, ticket_id: str) -> Ticket:
    known = _TICKET_RE.fullmatch(ticket_id)
    ticket = ctx.store.get_ticket(ticket_id) if known else None
    if ticket is None or ticket.owner_h != ctx.hasher.identifier("user", caller.key):
        raise NotFound()  # another user's ticket looks exactly like an unknown one
    return ticket
