"""The Reports port on Redis: one hash per report, in its ticket's slot, and the basis the
ticket's query left (written by Tickets.finish). Every change is one script; a script that would
write to a report that has expired writes nothing, so no field outlives the report's TTL.

A report's fields: ticket, owner_h, created_at, updated_at, groups (JSON), attempt, and per copy
`c:<operator>` (its state); until done, `keep` (sealed); once dispatched, `phone` (sealed) and
`r:<operator>` (the operator's reference); `o:<operator>` when the operator answered, and
`a:<operator>` (its answer) until the answer's SMS has gone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import redis

from adapters.redis import keys
from adapters.redis.audit import append_event
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.scripts import pipelined_script
from app.domain.reports import ANSWERABLE, REPORT_TTL_S, Answer, CopyState, Report, sources
from app.domain.tickets import ReportBasis
from app.ports.state import AnswerReceipt, Created, ReportRecord

# KEYS: ticket, report. ARGV: report id, TTL, then the report's fields and values.
CREATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if redis.call('HSETNX', KEYS[1], 'report', ARGV[1]) == 0 then return 'taken' end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 'created'
"""

WITHDRAW = """
if redis.call('HGET', KEYS[1], 'report') == ARGV[1] then redis.call('HDEL', KEYS[1], 'report') end
redis.call('DEL', KEYS[2])
return 1
"""

# The first run's basis, once: the sealed phone, the references of the copies that may go, and
# the others refusing. ARGV: now, the sealed phone ("" for none), the refusing state, how many
# states it may come from and those states, how many references and their (operator,
# reference) pairs, then the copies to refuse.
DISPATCH = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'dispatched') == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'dispatched', '1', 'updated_at', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'phone', ARGV[2]) end
local i = 4
local from = {}
for j = 1, tonumber(ARGV[i]) do from[ARGV[i + j]] = true end
i = i + tonumber(ARGV[i]) + 1
local refs = tonumber(ARGV[i])
for j = 0, refs - 1 do
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[i + 1 + 2 * j], ARGV[i + 2 + 2 * j])
end
for j = i + 1 + 2 * refs, #ARGV do
  local field = 'c:' .. ARGV[j]
  if from[redis.call('HGET', KEYS[1], field)] then redis.call('HSET', KEYS[1], field, ARGV[3]) end
end
return 1
"""

# Copies move where the lifecycle allows. ARGV: now, the new state, how many states it may come
# from, those states, then the copies.
MOVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[3])
local from = {}
for i = 4, 3 + n do from[ARGV[i]] = true end
local moved = 0
for i = 4 + n, #ARGV do
  local field = 'c:' .. ARGV[i]
  local state = redis.call('HGET', KEYS[1], field)
  if state and from[state] then
    redis.call('HSET', KEYS[1], field, ARGV[2], 'updated_at', ARGV[1])
    moved = moved + 1
  end
end
return moved
"""

NEXT_ATTEMPT = """
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'attempt', ARGV[2])
return 1
"""

# ARGV: the copy, the answer, now, the answered state, then the states it may be answered from.
ACCEPT_ANSWER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local copy = ARGV[1]
local state = redis.call('HGET', KEYS[1], 'c:' .. copy)
if not state then return 'not_sent_there' end
if state == ARGV[4] then
  if redis.call('HEXISTS', KEYS[1], 'o:' .. copy) == 0 then return 'not_sent_there' end
  if redis.call('HEXISTS', KEYS[1], 'a:' .. copy) == 1 then return 'pending' end
  return 'done'
end
for i = 5, #ARGV do
  if state == ARGV[i] then
    redis.call('HSET', KEYS[1], 'c:' .. copy, ARGV[4], 'o:' .. copy, '1', 'a:' .. copy, ARGV[2],
      'updated_at', ARGV[3])
    return 'new'
  end
end
return 'not_sent_there'
"""


class RedisReports:
    def __init__(self, client: redis.Redis, ttl_s: int = REPORT_TTL_S) -> None:
        self.redis = client
        self.ttl_s = ttl_s
        self._create = client.register_script(CREATE)
        self._withdraw = client.register_script(WITHDRAW)
        self._dispatch = client.register_script(DISPATCH)
        self._next_attempt = client.register_script(NEXT_ATTEMPT)
        self._accept = client.register_script(ACCEPT_ANSWER)

    def new_id(self, ticket_id: str) -> str:
        return keys.new_report_id(ticket_id)

    @unavailable_on_redis_error
    def create(self, report: Report, sealed_keep: bytes, audit: Mapping[str, str]) -> Created:
        fields: list[Any] = [
            *("ticket", report.ticket_id, "owner_h", report.owner_h),
            *("created_at", report.created_at, "updated_at", report.updated_at),
            *("groups", json.dumps(report.groups), "attempt", report.attempt, "keep", sealed_keep),
        ]
        for copy, state in report.copies.items():
            fields += [f"c:{copy}", str(state)]
        answer = self._create(
            keys=[keys.ticket(report.ticket_id), keys.report(report.id)],
            args=[report.id, self.ttl_s, *fields],
        )
        created = Created(_text(answer))
        if created is Created.CREATED and audit:
            self._audit(audit, report.created_at)
        return created

    @unavailable_on_redis_error
    def withdraw(self, report: Report) -> None:
        self._withdraw(
            keys=[keys.ticket(report.ticket_id), keys.report(report.id)], args=[report.id]
        )

    @unavailable_on_redis_error
    def get(self, report_id: str) -> Report | None:
        record = self.open(report_id)
        return record.report if record else None

    @unavailable_on_redis_error
    def open(self, report_id: str) -> ReportRecord | None:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(keys.report(report_id)))
        return record_from(report_id, raw) if raw else None

    @unavailable_on_redis_error
    def basis(self, ticket_id: str) -> ReportBasis | None:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(keys.report_basis(ticket_id)))
        if b"phone" not in raw:
            return None
        references = {k.decode()[2:]: v.decode() for k, v in raw.items() if k.startswith(b"r:")}
        return ReportBasis(raw[b"phone"], references)

    @unavailable_on_redis_error
    def dispatch(
        self,
        report_id: str,
        sealed_phone: bytes | None,
        references: Mapping[str, str],
        refusing: Sequence[str],
        now: float,
    ) -> None:
        pairs = [item for copy, ref in references.items() for item in (copy, ref)]
        froms = sources(CopyState.REFUSING)
        args: list[Any] = [now, sealed_phone or b"", str(CopyState.REFUSING), len(froms), *froms]
        args += [len(references), *pairs, *refusing]
        self._dispatch(keys=[keys.report(report_id)], args=args)

    @unavailable_on_redis_error
    def move(
        self, report_id: str, copies: Sequence[str], new: CopyState, now: float,
        audit: Mapping[str, str],
    ) -> None:  # fmt: skip
        if not copies:
            return
        pipe = self.redis.pipeline(transaction=False)
        _queue_move(pipe, keys.report(report_id), copies, new, now)
        moved = pipe.execute()[0]
        if moved and audit:
            self._audit(audit, now)

    @unavailable_on_redis_error
    def next_attempt(self, report_id: str, attempt: int) -> bool:
        return bool(self._next_attempt(keys=[keys.report(report_id)], args=[attempt, attempt + 1]))

    @unavailable_on_redis_error
    def accept_answer(
        self, report_id: str, copy: str, answer: Answer, now: float, audit: Mapping[str, str]
    ) -> AnswerReceipt:
        froms = [str(state) for state in ANSWERABLE]
        found = self._accept(
            keys=[keys.report(report_id)],
            args=[copy, answer.encode(), now, str(CopyState.ANSWERED), *froms],
        )
        receipt = AnswerReceipt(_text(found))
        if receipt is AnswerReceipt.NEW and audit:
            self._audit(audit, now)
        return receipt

    @unavailable_on_redis_error
    def forget_answer(self, report_id: str, copy: str) -> None:
        self.redis.hdel(keys.report(report_id), f"a:{copy}")

    @unavailable_on_redis_error
    def forget_keep(self, report_id: str) -> None:
        self.redis.hdel(keys.report(report_id), "keep")

    def _audit(self, event: Mapping[str, str], now: float) -> None:
        pipe = self.redis.pipeline(transaction=False)
        append_event(pipe, event, now)
        pipe.execute()


def _queue_move(pipe: Any, name: str, copies: Sequence[str], new: CopyState, now: float) -> None:
    froms = sources(new)
    pipelined_script(pipe, MOVE, [name], [now, str(new), len(froms), *froms, *copies])


def record_from(report_id: str, raw: dict[bytes, bytes]) -> ReportRecord:
    f = {k.decode(): v for k, v in raw.items()}

    def text(name: str) -> str:
        return f[name].decode()

    copies = {k[2:]: CopyState(v.decode()) for k, v in f.items() if k.startswith("c:")}
    report = Report(
        id=report_id,
        ticket_id=text("ticket"),
        owner_h=text("owner_h"),
        groups={g: tuple(c) for g, c in json.loads(text("groups")).items()},
        copies=copies,
        created_at=float(text("created_at")),
        updated_at=float(text("updated_at")),
        attempt=int(text("attempt")),
    )
    return ReportRecord(
        report=report,
        dispatched="dispatched" in f,
        references={k[2:]: v.decode() for k, v in f.items() if k.startswith("r:")},
        sealed_phone=f.get("phone"),
        sealed_keep=f.get("keep"),
        answers={k[2:]: v.decode() for k, v in f.items() if k.startswith("a:")},
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
