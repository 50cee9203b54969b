"""Use case: validate the whole form, take the quotas, then send the verification code."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.codes import CodePolicy
from app.domain.errors import QuotaExceeded, SmsRateLimited, SmsUnavailable
from app.domain.forms import QueryForm, Service, parse_form
from app.domain.hashing import KeyedHasher
from app.domain.masking import mask_phone
from app.domain.quotas import message
from app.ports.messages import SmsError, SmsGateway, SmsThrottled
from app.ports.runtime import Clock
from app.ports.state import CodeRequest, Codes
from app.services.caller import Caller
from notices.sms import code_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeSent:
    sent_to: str
    expires_in: int


@dataclass(frozen=True)
class RequestCode:
    codes: Codes
    sms: SmsGateway
    hasher: KeyedHasher
    clock: Clock
    policy: CodePolicy

    def __call__(self, caller: Caller, data: Mapping[str, Any]) -> CodeSent:
        form = parse_form(data)  # before anything is spent: typos cost users a 24-hour wait
        code = self.policy.new_code()
        request = self.code_request(caller, form, self.hasher.code_digest(code, form.binding()))
        refused = self.codes.issue(request)
        if refused is not None:
            log.info(
                "code refused",
                extra={
                    "service": form.service,
                    "limit": refused.limit,
                    "wait": refused.retry_after,
                },
            )
            raise QuotaExceeded(refused.retry_after, message(refused.limit))
        sms = code_message(code, form.service)
        try:
            self.sms.send(form.phone, sms.template, sms.params, secrets.token_hex(16))
        except SmsError as exc:
            self.codes.cancel(request)  # the user got nothing: give the quota back
            log.warning("code SMS not sent", extra={"error": type(exc).__name__})
            if isinstance(exc, SmsThrottled):
                raise SmsRateLimited(exc.retry_after_s) from None
            raise SmsUnavailable() from None
        log.info("code sent", extra={"service": form.service, "phone_h": request.phone_h})
        return CodeSent(mask_phone(form.phone), self.policy.ttl_s)

    def code_request(self, caller: Caller, form: QueryForm, digest: str) -> CodeRequest:
        hasher = self.hasher
        cards = form.service is Service.PHONE_CARDS
        return CodeRequest(
            service=str(form.service),
            phone_h=hasher.identifier("phone", form.phone),
            id_h=hasher.identifier("id", form.id_number) if cards else "",
            user_h=caller.user_h(hasher),
            ip_h=caller.network_h(hasher),
            code_digest=digest,
            now=self.clock.now(),
            channel=caller.channel,
        )
