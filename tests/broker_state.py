"""What Dramatiq's Redis broker still holds for a ticket: the positive signal that the worker is
done with it, for tests that then assert that nothing more happened (no second SMS or notice).

Waiting on this rather than sleeping means a slow worker makes such a test slower, never
vacuously green.
"""

from __future__ import annotations

import time
from typing import Any

from adapters.task_queue import NAMESPACE, QUEUE

# The broker keeps every message's body in "<queue>.msgs" until the worker acks it, which it does
# only once the actor has returned or raised; a retry is put on the delay queue (".DQ") before
# the ack. So a ticket absent from both has no task queued, running or scheduled.
PENDING = (f"{NAMESPACE}:{QUEUE}.msgs", f"{NAMESPACE}:{QUEUE}.DQ.msgs")
DEAD = f"{NAMESPACE}:{QUEUE}.XQ.msgs"  # messages that failed for good


def tasks_for(redis_client: Any, ticket: str, keys: tuple[str, ...] = PENDING) -> int:
    """How many messages in `keys` are about the ticket (its id is the actor's argument)."""
    return sum(ticket.encode() in body for key in keys for body in redis_client.hvals(key))


def wait_until_worker_done(redis_client: Any, ticket: str, timeout_s: float = 30.0) -> None:
    """Until the broker holds no task for the ticket; none may have been dead-lettered."""
    deadline = time.monotonic() + timeout_s
    while pending := tasks_for(redis_client, ticket):
        assert time.monotonic() < deadline, f"{pending} task(s) for the ticket still pending"
        time.sleep(0.05)
    assert tasks_for(redis_client, ticket, (DEAD,)) == 0, "a task for the ticket failed for good"
