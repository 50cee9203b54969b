"""No identifier a test used appears in clear in any log file or in Redis.

These tests are marked `last`: tests/conftest.py moves them after every other test pytest
collected, whatever paths it was given, so they read what all the others left behind.
The scan first runs both queries itself, so it proves something even when run alone. Then it
reads every log the processes wrote (API, worker, sandbox, RabbitMQ, the make-run stack) and
every Redis key and value (sessions, codes, quotas, tickets, sealed forms, the task queue, the
audit stream).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import redis as redis_lib

from adapters.redis import keys
from tests.integration.channel_steps import create_channel
from tests.integration.flows import (
    accounts_person,
    login,
    phone_cards_person,
    report,
    run_query,
    wait_sms_of,
)
from tests.processes import LOGS
from tests.support import USED_IDENTIFIERS

pytestmark = pytest.mark.last


def test_the_scan_runs_after_every_other_test(request: pytest.FixtureRequest) -> None:
    """Whatever paths pytest was given, no unmarked test runs after the first `last` one."""
    marked = [item.get_closest_marker("last") is not None for item in request.session.items]
    assert marked == sorted(marked)


def redis_dump(client: redis_lib.Redis) -> bytes:
    chunks = []
    for key in client.scan_iter(count=1000):
        chunks.append(key)
        kind = client.type(key)
        if kind == b"string":
            chunks.append(client.get(key) or b"")
        elif kind == b"hash":
            chunks.extend(b for kv in client.hgetall(key).items() for b in kv)
        elif kind == b"list":
            chunks.extend(client.lrange(key, 0, -1))
        elif kind == b"set":
            chunks.extend(client.smembers(key))
        elif kind == b"zset":
            chunks.extend(client.zrange(key, 0, -1))
        elif kind == b"stream":
            for _, fields in client.xrange(key) or []:
                chunks.extend(b for kv in (fields or {}).items() for b in kv)
    return b"\n".join(chunks)


def forms_of(identifier: str) -> list[bytes]:
    return [identifier.encode(), quote(identifier).encode(), identifier.encode("unicode_escape")]


def login_from_channel(client) -> str:
    channel = create_channel(client)
    r = client.post(
        "/api/v1/sessions", json={"platform": "alipay", "code": "p", "channel": channel}
    )
    return str(r.get_json()["token"])


def test_no_identifier_in_logs_or_redis(client, sandbox, redis_client, api_server):
    form, token = phone_cards_person(sandbox), login(client)
    ticket, _ = run_query(client, sandbox, form, token)
    run_query(client, sandbox, accounts_person(sandbox, {"wechat": 1}))
    run_query(client, sandbox, phone_cards_person(sandbox), login_from_channel(client))
    # a 非本人 report, answered: its keys, its sealed phone and keep, its SMS and its logs
    r = report(client, token, ticket, ["cmcc"], keep=[form["phone"][-4:]])
    report_id = r.get_json()["report"]
    sandbox.wait_for_report("cmcc", report_id)
    sandbox.answer_report(report_id, "cmcc", "closed", 1)
    wait_sms_of(sandbox, form["phone"], "report_closed")
    assert redis_client.exists(keys.report(report_id), keys.report_basis(ticket)) == 2
    assert len(USED_IDENTIFIERS) >= 6
    places = {path.name: path.read_bytes() for path in LOGS.glob("*.log")}
    assert {"api.log", "worker.log", "sandbox.log"} <= set(places)
    assert all(places[name] for name in ("api.log", "worker.log", "sandbox.log"))
    places["redis"] = redis_dump(redis_client)
    assert b"yzt:ticket:" in places["redis"] and b"yzt:report:" in places["redis"]
    assert b"yzt:mine:" in places["redis"] and b"yzt:refs:" in places["redis"]
    assert b"yzt:funnel:" in places["redis"] and b"yzt:channels:" in places["redis"]
    leaks = [
        (identifier, place)
        for identifier in sorted(USED_IDENTIFIERS)
        for place, content in places.items()
        if any(form in content for form in forms_of(identifier))
    ]
    assert leaks == []


def test_every_key_has_a_ttl(redis_client):
    """Everything we keep expires, but the durable configuration keys.DURABLE names (the
    channels); the task queue's keys are Dramatiq's (docs/design.md)."""
    ours = [key for key in redis_client.scan_iter("yzt:*", count=1000)]
    assert any(key.startswith(b"yzt:audit") for key in ours)
    assert any(key.startswith(b"yzt:nonce:") for key in ours)  # an operator's answer was here
    funnels = [key for key in ours if key.startswith(b"yzt:funnel:")]
    assert funnels and all(redis_client.ttl(key) > 399 * 86400 for key in funnels)
    forever = {key.decode() for key in ours if redis_client.ttl(key) == -1}
    assert forever == set(keys.DURABLE)
