"""The TaskQueue port on Dramatiq: the API enqueues by actor name, without importing the worker."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from app.runtime import logs

QUEUE = "queries"
NAMESPACE = "yzt-tasks"
RUN_QUERY = "run_query"


def redis_broker(url: str) -> RedisBroker:
    # A dead worker's unacked messages go back to the queue once its heartbeat is older than
    # heartbeat_timeout, at the next queue maintenance. Dramatiq runs maintenance on 1 in 1,000
    # broker commands by default: minutes on a quiet queue. 1 in 10 makes redelivery take
    # seconds, for a negligible cost (it scans the few worker heartbeats).
    return RedisBroker(  # type: ignore[no-untyped-call]
        maintenance_chance=100_000,
        url=url,
        namespace=NAMESPACE,
        heartbeat_timeout=15_000,
        socket_timeout=2,
        socket_connect_timeout=2,
    )


def build_broker(redis_url: str, broker_url: str = "") -> dramatiq.Broker:
    """RabbitMQ when BROKER_URL is amqp(s)://, else Dramatiq's Redis broker on the state Redis.

    RabbitMQ keeps queued queries on disk (durable queues, publisher confirms), so a Redis
    failure loses state but no accepted query's task; the Redis broker is one less service.
    """
    if broker_url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=broker_url, confirm_delivery=True)
    return redis_broker(redis_url)


@dataclass(frozen=True)
class InlineTask:
    """A run_query message, encoded as Dramatiq's Redis broker stores it, for a state script on
    the same Redis to queue in its own step: HSET <messages> <id> <body>, RPUSH <queue> <id>
    (Dramatiq's dispatch.lua does the same for "enqueue")."""

    queue_key: str
    messages_key: str
    message_id: str
    body: bytes
    message: dramatiq.Message[None]


class DramatiqQueue:
    def __init__(self, broker: dramatiq.Broker) -> None:
        self._broker = broker
        broker.declare_queue(QUEUE)

    def enqueue_run_query(self, ticket_id: str) -> None:
        self._broker.enqueue(_run_query_message(ticket_id))

    @property
    def inline(self) -> bool:
        """Whether a script on the state Redis may queue tasks itself (the Redis broker)."""
        return isinstance(self._broker, RedisBroker)

    def inline_run_query(self, ticket_id: str) -> InlineTask:
        """What RedisBroker.enqueue would write, with its middleware's before_enqueue run."""
        message = _run_query_message(ticket_id).copy(options={"redis_message_id": str(uuid4())})
        self._broker.emit_before("enqueue", message, None)
        return InlineTask(
            queue_key=f"{NAMESPACE}:{QUEUE}",
            messages_key=f"{NAMESPACE}:{QUEUE}.msgs",
            message_id=message.options["redis_message_id"],
            body=message.encode(),
            message=message,
        )

    def inline_queued(self, task: InlineTask) -> None:
        self._broker.emit_after("enqueue", task.message, None)

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        """The broker holds the message until it is due (Redis: its delay queue; RabbitMQ: a
        dead-lettering delay queue), so no worker thread waits out a retry."""
        message = _message(RUN_QUERY, ticket_id, attempt=attempt, token=token)
        self._broker.enqueue(message, delay=max(0, int(delay_s * 1000)))

    def enqueue_task(
        self, task: str, key: str, attempt: int = 0, token: str = "", delay_s: float = 0.0
    ) -> None:
        """The report tasks (FORWARD_REPORT, REPORT_SMS), on the same queue as run_query."""
        message = _message(task, key, attempt=attempt, token=token)
        self._broker.enqueue(message, delay=max(0, int(delay_s * 1000)) or None)

    def depth(self) -> tuple[int, int]:
        """(waiting, in flight): the Redis broker keeps a queue list and a hash of every message
        not yet acknowledged; RabbitMQ counts what it holds (in flight: unknown, 0)."""
        client = getattr(self._broker, "client", None)
        if client is not None:
            waiting = int(client.llen(f"{NAMESPACE}:{QUEUE}"))
            held = int(client.hlen(f"{NAMESPACE}:{QUEUE}.msgs"))
            return waiting, max(0, held - waiting)
        counts = self._broker.get_queue_message_counts(QUEUE)  # type: ignore[attr-defined]
        return int(counts[0]), 0


def _run_query_message(ticket_id: str) -> dramatiq.Message[None]:
    return _message(RUN_QUERY, ticket_id)


def _message(actor: str, key: str, **kwargs: object) -> dramatiq.Message[None]:
    """A task for the actor about one ticket or report, with the API request's id for the
    logs' one trail."""
    return dramatiq.Message(
        queue_name=QUEUE,
        actor_name=actor,
        args=(key,),
        kwargs={"request_id": logs.request_id.get(), **kwargs},
        options={},
    )
