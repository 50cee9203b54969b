"""Use case: validate the whole form, take the quotas, then send the verification code."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QuotaExceeded, SmsRateLimited, SmsUnavailable
from app.domain.forms import QueryForm, Service, parse_form
from app.domain.masking import mask_phone
from app.domain.networks import client_network
from app.ports import CodeIssue, SmsError, SmsThrottled
from app.services.context import Caller, Context
from notices.sms import code_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeSent:
    sent_to: str
    expires_in: int


def request_code(ctx: Context, caller: Caller, data: Mapping[str, Any]) -> CodeSent:
    form = parse_form(data)  # before anything is spent: typos cost users a 24-hour wait
    code = f"{secrets.randbelow(1_000_000):06d}"
    issue = code_issue(ctx, caller, form, ctx.hasher.code_digest(code, form.binding()))
    wait, limit = ctx.store.issue_code(issue)
    if wait:
        log.info(
            "code refused", extra={"service": form.service, "limit": limit, "retry_after": wait}
        )
        raise QuotaExceeded(wait, QuotaExceeded.MESSAGES.get(limit))
    message = code_message(code, form.service)
    try:
        ctx.sms.send(form.phone, message.template, message.params, secrets.token_hex(16))
    except SmsError as exc:
        ctx.store.cancel_code(issue)  # the user got nothing: give the quota back
        log.warning("code SMS not sent", extra={"error": type(exc).__name__})
        if isinstance(exc, SmsThrottled):
            raise SmsRateLimited(exc.retry_after_s) from None
        raise SmsUnavailable() from None
    log.info("code sent", extra={"service": form.service, "phone_h": issue.phone_h})
    return CodeSent(mask_phone(form.phone), ctx.settings.code_ttl_s)


def code_issue(ctx: Context, caller: Caller, form: QueryForm, digest: str) -> CodeIssue:
    hasher, settings = ctx.hasher, ctx.settings
    id_h = hasher.identifier("id", form.id_number) if form.service is Service.PHONE_CARDS else ""
    return CodeIssue(
        service=str(form.service),
        phone_h=hasher.identifier("phone", form.phone),
        id_h=id_h,
        user_h=hasher.identifier("user", caller.key),
        ip_h=hasher.identifier("ip", client_network(caller.ip)),
        code_digest=digest,
        code_ttl_s=settings.code_ttl_s,
        quota_window_s=settings.code_quota_window_s,
        user_limit=settings.code_limit_per_user_day,
        ip_limit=settings.code_limit_per_ip_hour,
        global_limit_per_minute=settings.code_limit_global_per_minute,
        now=ctx.clock.now(),
    )
