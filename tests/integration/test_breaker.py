"""The circuit breaker, shared by all workers through Redis, against the sandbox."""

from __future__ import annotations

import time

from adapters.redis import keys as redis_keys
from tests.integration.flows import login, phone_cards_person, run_query


def forget_cbn(redis_client) -> None:
    redis_client.hdel(redis_keys.breakers(), "cbn:fails", "cbn:opened_at")
    redis_client.delete(redis_keys.breaker_probe("cbn"))


def test_breaker_opens_sheds_then_recovers_through_a_probe(client, sandbox, redis_client):
    forget_cbn(redis_client)
    token = login(client)
    sandbox.fault("cbn", "error")
    try:
        for _ in range(5):
            _, message = run_query(client, sandbox, phone_cards_person(sandbox), token)
            assert message["params"]["cbn"] == "-"
        assert redis_client.hget(redis_keys.breakers(), "cbn:opened_at") is not None
        sandbox.clear_faults()
        # open: the partner is not asked at all, although it would answer now
        _, message = run_query(client, sandbox, phone_cards_person(sandbox), token)
        assert message["template"] == "phone_cards_partial" and message["params"]["cbn"] == "-"
        time.sleep(3.2)  # the test stack's cool-down (BREAKER_COOLDOWN_S=3): half-open
        _, message = run_query(client, sandbox, phone_cards_person(sandbox, operator="cbn"), token)
        assert message["template"] == "phone_cards_result" and message["params"]["cbn"] == "1"
        assert not redis_client.hexists(redis_keys.breakers(), "cbn:fails")
        assert not redis_client.hexists(redis_keys.breakers(), "cbn:opened_at")
    finally:
        forget_cbn(redis_client)
