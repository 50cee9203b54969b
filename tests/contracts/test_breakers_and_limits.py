"""The Breakers, RateLimits and SeenMessages ports."""

from __future__ import annotations

from app.domain.breakers import BreakerRecord, BreakerState
from tests.contracts.steps import BREAKERS, Ports, unique


def test_failures_open_a_breaker_at_the_policys_threshold(ports: Ports) -> None:
    partner, now = unique("partner-"), 1000.0
    assert partner not in ports.breakers.records()
    for fails in range(1, BREAKERS.threshold):
        ports.breakers.record({partner: False}, now)
        assert ports.breakers.records()[partner] == BreakerRecord(fails, None)
    ports.breakers.record({partner: False}, now + 1)
    record = ports.breakers.records()[partner]
    assert record == BreakerRecord(BREAKERS.threshold, now + 1)
    assert BREAKERS.state(record, now + 2) is BreakerState.OPEN
    assert BREAKERS.state(record, now + 1 + BREAKERS.cooldown_s) is BreakerState.HALF_OPEN


def test_a_success_closes_it_and_frees_the_probe(ports: Ports) -> None:
    partner, other = unique("partner-"), unique("partner-")
    for _ in range(BREAKERS.threshold):
        ports.breakers.record({partner: False, other: False}, 1000.0)
    assert ports.breakers.claim_probe(partner) and not ports.breakers.claim_probe(partner)
    ports.breakers.record({partner: True}, 1040.0)
    records = ports.breakers.records()
    assert partner not in records and records[other].fails == BREAKERS.threshold
    assert ports.breakers.claim_probe(partner)  # the probe claim went with it


def test_a_failed_probe_opens_it_again_from_now(ports: Ports) -> None:
    partner = unique("partner-")
    for _ in range(BREAKERS.threshold):
        ports.breakers.record({partner: False}, 1000.0)
    ports.breakers.record({partner: False}, 1050.0)
    assert ports.breakers.records()[partner].opened_at == 1050.0


def test_a_rate_limit_counts_to_its_limit_per_subject(ports: Ports) -> None:
    subject, other = unique("s"), unique("s")
    assert [ports.limits.take("logins", subject, 3, 60) for _ in range(3)] == [0, 0, 0]
    wait = ports.limits.take("logins", subject, 3, 60)
    assert 0 < wait <= 60
    assert ports.limits.take("logins", other, 3, 60) == 0
    assert ports.limits.take("submits", subject, 3, 60) == 0  # another limit, another count


def test_a_message_is_seen_the_first_time_only(ports: Ports) -> None:
    mark = unique("m:")
    assert ports.seen.first_time(mark)
    assert not ports.seen.first_time(mark)
    assert ports.seen.first_time(unique("m:"))
