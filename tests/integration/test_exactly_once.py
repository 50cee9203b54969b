"""Exactly one result SMS per ticket, even when the task runs again after a crash."""

from __future__ import annotations

import redis as redis_lib

from adapters.task_queue import DramatiqQueue, redis_broker
from app.runtime.embedded_redis import free_port, start_redis
from app.wiring.api import build_api
from tests.broker_state import tasks_for, wait_until_worker_done
from tests.integration.crash_replay import accept_held, run_then_replay_crash
from tests.integration.flows import phone_cards_person
from tests.integration.flows import run_query as run_via_api
from tests.processes import stop


def test_rerun_after_crash_between_send_and_record_sends_once(settings, sandbox, redis_client):
    ticket, form = accept_held(build_api(settings), sandbox, "sbx_exactly_once")
    run_then_replay_crash(settings, ticket, redis_client)
    templates = [m["template"] for m in sandbox.sms(form["phone"])]
    assert templates == ["code_phone_cards", "phone_cards_result"]


def test_duplicate_deliveries_to_the_worker_send_one_sms(client, sandbox, settings, redis_client):
    form = phone_cards_person(sandbox)
    ticket, _ = run_via_api(client, sandbox, form)
    queue = DramatiqQueue(redis_broker(settings.redis_url))
    for _ in range(3):
        queue.enqueue_run_query(ticket)
    wait_until_worker_done(redis_client, ticket)  # the worker ran and acked all three
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]


def test_the_worker_done_signal_sees_tasks_where_the_broker_keeps_them(tmp_path):
    """What the test above waits on, on a Redis no worker reads: the tasks stay, and are seen."""
    port = free_port()
    process = start_redis(port, tmp_path / "redis", persistent=False)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        queue = DramatiqQueue(redis_broker(url))
        queue.enqueue_run_query("ticket-now")
        queue.schedule_run_query("ticket-later", attempt=1, token="t", delay_s=60)
        client = redis_lib.Redis.from_url(url)
        assert tasks_for(client, "ticket-now") == 1
        assert tasks_for(client, "ticket-later") == 1
        assert tasks_for(client, "ticket-other") == 0
    finally:
        stop(process)
