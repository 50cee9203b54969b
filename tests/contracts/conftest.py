"""One contract per state port, run on the in-memory fake and on the Redis adapter alike: the same
cases, the same policies, so a fake cannot drift from what production does.

Each case gets `ports`: every state port of one implementation over one store, built with the
policies below (other numbers than the defaults, so a hard-coded default would show).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.redis import connect
from adapters.redis.audit import RedisAuditLog
from adapters.redis.breakers import RedisBreakers
from adapters.redis.channels import RedisChannels
from adapters.redis.codes import RedisCodes
from adapters.redis.delivery_marks import RedisDeliveryMarks
from adapters.redis.funnel import RedisFunnel
from adapters.redis.limits import RedisRateLimits
from adapters.redis.my_queries import RedisMyQueries
from adapters.redis.nonces import RedisNonces
from adapters.redis.qr_images import RedisQrImages
from adapters.redis.reports import RedisReports
from adapters.redis.seen_messages import RedisSeenMessages
from adapters.redis.tickets import RedisTickets
from tests.contracts.steps import (
    BREAKERS,
    CODES,
    FORM_TTL_S,
    FUNNEL,
    QUOTAS,
    TICKET_TTL_S,
    Ports,
)
from tests.fakes.clock import FixedClock
from tests.fakes.state import fake_state


@pytest.fixture(params=["fake", "redis"])
def ports(request: pytest.FixtureRequest) -> Iterator[Ports]:
    if request.param == "fake":
        state = fake_state(FixedClock(time.time()), QUOTAS, CODES, BREAKERS, FUNNEL)
        state.codes.ticket_ttl_s, state.codes.form_ttl_s = TICKET_TTL_S, FORM_TTL_S
        yield Ports(
            "fake", state.codes, state.tickets, state.marks, state.breakers, state.limits,
            state.audit, state.seen, state.reports, state.my_queries, state.nonces,
            state.channels, state.funnel, state.qr_images,
        )  # fmt: skip
        return
    settings: Any = request.getfixturevalue("settings")
    client = connect(settings.redis_url, 2.0)
    yield Ports(
        "redis",
        RedisCodes(client, QUOTAS, CODES, TICKET_TTL_S, FORM_TTL_S, FUNNEL),
        RedisTickets(client, FUNNEL),
        RedisDeliveryMarks(client),
        RedisBreakers(client, BREAKERS),
        RedisRateLimits(client),
        RedisAuditLog(client),
        RedisSeenMessages(client),
        RedisReports(client),
        RedisMyQueries(client),
        RedisNonces(client),
        RedisChannels(client),
        RedisFunnel(client, FUNNEL),
        RedisQrImages(client),
    )
