"""What the contract cases share: the policies every implementation is built with, the ports
of one implementation, and the steps of a code's life."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from app.domain.breakers import BreakerPolicy
from app.domain.channels import FunnelPolicy
from app.domain.codes import CodeCheck, CodePolicy
from app.domain.quotas import QuotaPolicy
from app.domain.tickets import Ticket, TicketStatus
from app.ports.state import (
    AuditLog,
    Breakers,
    Channels,
    CodeRequest,
    Codes,
    DeliveryMarks,
    Funnel,
    MyQueries,
    Nonces,
    QrImages,
    RateLimits,
    Redemption,
    Reports,
    SeenMessages,
    Tickets,
)

QUOTAS = QuotaPolicy(
    quota_window_s=7200,
    codes_per_user_day=3,
    codes_per_ip_hour=4,
    codes_per_minute=100_000,
    submits_per_user_hour=6,
    logins_per_ip_minute=5,
)
CODES = CodePolicy(ttl_s=120, max_attempts=2)
BREAKERS = BreakerPolicy(threshold=3, cooldown_s=10)
TICKET_TTL_S, FORM_TTL_S = 600, 60
FUNNEL = FunnelPolicy(retention_days=3)


@dataclass
class Ports:
    kind: str
    codes: Codes
    tickets: Tickets
    marks: DeliveryMarks
    breakers: Breakers
    limits: RateLimits
    audit: AuditLog
    seen: SeenMessages
    reports: Reports
    my_queries: MyQueries
    nonces: Nonces
    channels: Channels
    funnel: Funnel
    qr_images: QrImages

    @staticmethod
    def now() -> float:
        return time.time()


def unique(prefix: str) -> str:
    """A fresh keyed-hash-like value: cases share one Redis."""
    return prefix + secrets.token_hex(10)


def request(
    ports: Ports,
    phone_h: str = "",
    id_h: str = "",
    user_h: str = "",
    ip_h: str = "",
    channel: str = "",
) -> CodeRequest:
    return CodeRequest(
        service="phone_cards",
        phone_h=phone_h or unique("p"),
        id_h=id_h,
        user_h=user_h or unique("u"),
        ip_h=ip_h or unique("a"),
        code_digest="digest-" + (phone_h or "x"),
        now=ports.now(),
        channel=channel,
    )


def ticket_for(ports: Ports, code: CodeRequest, owner_h: str | None = None) -> Ticket:
    now = ports.now()
    return Ticket(
        id=ports.tickets.new_id(code.phone_h),
        service=code.service,
        status=TicketStatus.ACCEPTED,
        phone_masked="138****0000",
        owner_h=owner_h or code.user_h,
        platform="wechat",
        created_at=now,
        updated_at=now,
        quota={"service": code.service, "phone_h": code.phone_h, "id_h": code.id_h},
        channel=code.channel,
    )


def redeem(
    ports: Ports, code: CodeRequest, digest: str, owner_h: str | None = None
) -> tuple[CodeCheck, Ticket]:
    ticket = ticket_for(ports, code, owner_h)
    return ports.codes.redeem(
        Redemption(code.service, code.phone_h, digest, ticket, b"sealed-form")
    ), ticket
