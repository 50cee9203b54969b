"""The Tickets port on Redis: a ticket's record, and the two steps of the worker around it, its
beginning and its end, one round trip each."""

from __future__ import annotations

import json
from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.audit import append_event
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.funnel import Count, add_count
from adapters.redis.scripts import pipelined_script
from app.domain.channels import FunnelPolicy, FunnelStage, stages_at_end
from app.domain.reports import REFERENCE_TTL_S
from app.domain.tickets import FINAL_STATUSES, LISTED_FOR_S, Ticket, TicketEnd, TicketStatus
from app.ports.state import QueryStart

SMS_MARKER_TTL_S = 7 * 86400

# The worker's first step: the ticket (flat HGETALL), its sealed form and any result SMS waiting
# for a retry. A ticket that is not final (ARGV[2..]: the final statuses) and has either is
# marked processing. {} for an unknown ticket.
BEGIN = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local form = redis.call('GET', KEYS[2])
local pending = redis.call('GET', KEYS[3])
local status = redis.call('HGET', KEYS[1], 'status')
local final = false
for i = 3, #ARGV do if status == ARGV[i] then final = true end end
if (form or pending) and not final then
  redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[1])
end
return {fields, form, pending}
"""


# The end's status, on a ticket that still exists: an HSET on an expired ticket would create a
# partial hash with no TTL, kept forever.
SET_STATUS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated_at', ARGV[2])
return 1
"""


class RedisTickets:
    def __init__(self, client: redis.Redis, funnel: FunnelPolicy | None = None) -> None:
        self.redis = client
        self.funnel = funnel or FunnelPolicy()
        self._final = sorted(str(status) for status in FINAL_STATUSES)
        self._begin = client.register_script(BEGIN)

    def new_id(self, phone_h: str) -> str:
        return keys.new_ticket_id(phone_h)

    @unavailable_on_redis_error
    def get(self, ticket_id: str) -> Ticket | None:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(keys.ticket(ticket_id)))
        return ticket_from(ticket_id, raw) if raw else None

    @unavailable_on_redis_error
    def begin(self, ticket_id: str, now: float) -> QueryStart:
        ticket_keys = [keys.ticket(ticket_id), keys.sealed_form(ticket_id)]
        found = self._begin(
            keys=[*ticket_keys, keys.pending_sms(ticket_id)],
            args=[now, str(TicketStatus.PROCESSING), *self._final],
        )
        if not found:
            return QueryStart(None, None)
        flat, form, pending = found
        ticket = ticket_from(ticket_id, dict(zip(flat[::2], flat[1::2], strict=True)))
        if (form or pending) and not ticket.status.is_final:  # as the script just wrote it
            ticket.status, ticket.updated_at = TicketStatus.PROCESSING, now
        return QueryStart(ticket, form or None, pending or None)

    @unavailable_on_redis_error
    def finish(self, ticket: Ticket, end: TicketEnd) -> None:
        ticket.check_move(end.status)
        pipe = self.redis.pipeline(transaction=False)
        pipelined_script(pipe, SET_STATUS, [keys.ticket(ticket.id)], [str(end.status), end.now])
        pipe.delete(keys.sealed_form(ticket.id))
        pipe.delete(keys.pending_sms(ticket.id))
        if end.sms_mark:
            pipe.set(keys.sms_marker(ticket.id), end.sms_mark, ex=SMS_MARKER_TTL_S)
        if end.give_back and ticket.quota:
            pipe.delete(keys.phone_quota(ticket.quota["phone_h"], ticket.quota["service"]))
            if ticket.quota.get("id_h"):
                pipe.delete(keys.id_quota(ticket.quota["id_h"]))
        if end.audit:
            append_event(pipe, end.audit, end.now)
        if end.report_basis is not None:  # 7 days, for a report (app/domain/reports.py)
            basis, refs = keys.report_basis(ticket.id), end.report_basis.references
            fields = {
                "phone": end.report_basis.sealed_phone,
                **{f"r:{o}": r for o, r in refs.items()},
            }
            pipe.hset(basis, mapping=cast(Any, fields))
            pipe.expire(basis, REFERENCE_TTL_S)
        mine = keys.my_queries(ticket.owner_h)  # 我的查询, trimmed to its window at every write
        pipe.zadd(mine, {ticket.id: ticket.created_at})
        pipe.zremrangebyscore(mine, "-inf", f"({end.now - LISTED_FOR_S}")
        pipe.expire(mine, LISTED_FOR_S)
        for stage in stages_at_end(ticket.status, end.status) if ticket.channel else ():
            # a query counts in the day it was accepted, a delivery in the day it went out
            at = ticket.created_at if stage is FunnelStage.QUERIES else end.now
            add_count(pipe, Count.of(self.funnel, ticket.channel, stage, at))
        pipe.execute()


def ticket_fields(ticket: Ticket) -> dict[str, Any]:
    channel = {"channel": ticket.channel} if ticket.channel else {}
    return {
        "service": ticket.service,
        "status": str(ticket.status),
        "phone_masked": ticket.phone_masked,
        "owner_h": ticket.owner_h,
        "platform": ticket.platform,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "notify": "1" if ticket.notify else "0",
        "quota": json.dumps(ticket.quota),
        **({"report": ticket.report} if ticket.report else {}),
        **channel,
    }


def ticket_from(ticket_id: str, raw: dict[bytes, bytes]) -> Ticket:
    f = {k.decode(): v.decode() for k, v in raw.items()}
    return Ticket(
        id=ticket_id,
        service=f["service"],
        status=TicketStatus(f["status"]),
        phone_masked=f["phone_masked"],
        owner_h=f["owner_h"],
        platform=f["platform"],
        created_at=float(f["created_at"]),
        updated_at=float(f["updated_at"]),
        notify=f.get("notify") == "1",
        quota=json.loads(f.get("quota", "{}")),
        report=f.get("report", ""),
        channel=f.get("channel", ""),
    )
