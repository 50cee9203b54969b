"""The Codes port on Redis: issue a code with its quotas (adapters/redis/quotas.py), cancel it,
and redeem it into a ticket, each in one round trip."""

from __future__ import annotations

from typing import Any, Protocol

import redis

from adapters.redis import is_cluster, keys
from adapters.redis.errors import unavailable_on_redis_error
from adapters.redis.quotas import QuotaTaker
from adapters.redis.tickets import ticket_fields
from adapters.task_queue import InlineTask
from app.domain.channels import FunnelPolicy
from app.domain.codes import CodeCheck, CodeCheckOutcome, CodePolicy
from app.domain.quotas import QuotaPolicy
from app.ports.state import CodeRequest, Redemption, Refusal

# KEYS: the code, the ticket, its sealed form, and (on a single Redis) the user's submit counter,
# then (with Dramatiq's Redis broker on that Redis) its queue and its messages' hash.
# ARGV: digest, max attempts, ticket TTL, form TTL, sealed form, owner, submit limit and window,
# the task's message id and body (or two empty strings), then the ticket's fields. The submit
# limit is checked and taken first. A code answers only the user who asked for it (field u):
# anyone else gets 'expired', exactly as when no code exists, and spends nothing. A wrong attempt
# of the owner counts, and the last one burns the code. On success the code is burnt, the ticket
# and its sealed form are created (one slot), and the task is queued: {'ok', 1} when it was.
REDEEM_CODE = """
if #KEYS >= 4 then
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then
    local ms = redis.call('PTTL', KEYS[4])
    if ms < 0 then return {'limited', 1} end
    return {'limited', math.ceil(ms / 1000)}
  end
  if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[8]) end
end
local code = redis.call('HMGET', KEYS[1], 'd', 'u')
if not code[1] or code[2] ~= ARGV[6] then return {'expired', 0} end
if code[1] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], unpack(ARGV, 11))
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[4])
  if #KEYS == 6 then
    redis.call('HSET', KEYS[6], ARGV[9], ARGV[10])
    redis.call('RPUSH', KEYS[5], ARGV[9])
    return {'ok', 1}
  end
  return {'ok', 0}
end
local left = tonumber(ARGV[2]) - redis.call('HINCRBY', KEYS[1], 'a', 1)
if left <= 0 then redis.call('DEL', KEYS[1]) end
return {'mismatch', math.max(left, 0)}
"""


class InlineQueue(Protocol):
    """The task queue, when a script on this Redis may queue its tasks (adapters/task_queue)."""

    def inline_run_query(self, ticket_id: str) -> InlineTask: ...

    def inline_queued(self, task: InlineTask) -> None: ...


class RedisCodes:
    def __init__(
        self,
        client: redis.Redis,
        quotas: QuotaPolicy,
        codes: CodePolicy,
        ticket_ttl_s: int,
        form_ttl_s: int,
        funnel: FunnelPolicy | None = None,
        queue: InlineQueue | None = None,
    ) -> None:
        """queue: given, a redeemed code's ticket gets its task queued in the same script."""
        self.redis = client
        self._cluster = is_cluster(client)
        self._queue = None if self._cluster else queue  # a Cluster's broker is RabbitMQ
        self._quotas = QuotaTaker(client, self._cluster, quotas, codes, funnel or FunnelPolicy())
        self._policy, self._codes = quotas, codes
        self._ticket_ttl_s, self._form_ttl_s = ticket_ttl_s, form_ttl_s
        self._redeem = client.register_script(REDEEM_CODE)

    @unavailable_on_redis_error
    def issue(self, request: CodeRequest) -> Refusal | None:
        return self._quotas.take(request)

    @unavailable_on_redis_error
    def cancel(self, request: CodeRequest) -> None:
        self._quotas.cancel(request)

    @unavailable_on_redis_error
    def redeem(self, redemption: Redemption) -> CodeCheck:
        ticket = redemption.ticket
        code_keys = [
            keys.code(redemption.phone_h, redemption.service),
            keys.ticket(ticket.id),
            keys.sealed_form(ticket.id),
        ]
        limiter, submits = keys.user_submits(ticket.owner_h), self._policy.submits
        if self._cluster:
            # The user's counter lives in another slot: a round trip of its own, first.
            wait = self._quotas.take_count(limiter, submits)
            if wait:
                return CodeCheck(CodeCheckOutcome.LIMITED, retry_after=wait)
        else:
            code_keys.append(limiter)
        queue = self._queue
        task = queue.inline_run_query(ticket.id) if queue is not None else None
        if task is not None:
            code_keys += [task.queue_key, task.messages_key]
        fields: list[Any] = [item for pair in ticket_fields(ticket).items() for item in pair]
        outcome, number = self._redeem(
            keys=code_keys,
            args=[
                redemption.code_digest,
                self._codes.max_attempts,
                self._ticket_ttl_s,
                self._form_ttl_s,
                redemption.sealed_form,
                ticket.owner_h,
                submits.count,
                submits.window_s,
                task.message_id if task else "",
                task.body if task else b"",
                *fields,
            ],
        )
        checked = CodeCheckOutcome(outcome.decode())
        if checked is CodeCheckOutcome.LIMITED:
            return CodeCheck(checked, retry_after=int(number))
        if checked is CodeCheckOutcome.OK:
            if queue is not None and task is not None and int(number) == 1:
                queue.inline_queued(task)
            return CodeCheck(checked, enqueued=int(number) == 1)
        return CodeCheck(checked, attempts_left=int(number))
