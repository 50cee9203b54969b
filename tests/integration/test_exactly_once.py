"""Exactly one result SMS per ticket, even when the task runs again after a crash."""

from __future__ import annotations

import time

from adapters.task_queue import DramatiqQueue, redis_broker
from app.wiring.api import build_api
from tests.integration.crash_replay import accept_held, run_then_replay_crash
from tests.integration.flows import phone_cards_person
from tests.integration.flows import run_query as run_via_api


def test_rerun_after_crash_between_send_and_record_sends_once(settings, sandbox, redis_client):
    ticket, form = accept_held(build_api(settings), sandbox, "sbx_exactly_once")
    run_then_replay_crash(settings, ticket, redis_client)
    templates = [m["template"] for m in sandbox.sms(form["phone"])]
    assert templates == ["code_phone_cards", "phone_cards_result"]


def test_duplicate_deliveries_to_the_worker_send_one_sms(client, sandbox, settings):
    form = phone_cards_person(sandbox)
    ticket, _ = run_via_api(client, sandbox, form)
    queue = DramatiqQueue(redis_broker(settings.redis_url))
    for _ in range(3):
        queue.enqueue_run_query(ticket)
    time.sleep(1.5)  # the worker takes each duplicate within milliseconds
    assert [m["template"] for m in sandbox.sms(form["phone"])] == [
        "code_phone_cards",
        "phone_cards_result",
    ]
