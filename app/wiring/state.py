"""The state ports on one Redis connection pool, and the forms' sealer on the key store."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from adapters.epoch_sealing import EpochKeys, EpochSealer
from adapters.redis import connect
from adapters.redis.audit import RedisAuditLog
from adapters.redis.breakers import CachedBreakers, RedisBreakers
from adapters.redis.channels import RedisChannels
from adapters.redis.codes import RedisCodes
from adapters.redis.delivery_marks import RedisDeliveryMarks
from adapters.redis.funnel import RedisFunnel
from adapters.redis.limits import RedisRateLimits
from adapters.redis.liveness import RedisLiveness
from adapters.redis.qr_images import RedisQrImages
from adapters.redis.seen_messages import RedisSeenMessages
from adapters.redis.tickets import RedisTickets
from app.config import Settings
from app.ports.runtime import Clock
from app.services.delivery import KEEP_AFTER_WINDOW_S
from app.wiring.policies import breaker_policy, code_policy, funnel_policy, quota_policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    client: redis.Redis
    codes: RedisCodes
    tickets: RedisTickets
    marks: RedisDeliveryMarks
    breakers: CachedBreakers  # read at most once a second per process
    limits: RedisRateLimits
    audit: RedisAuditLog
    liveness: RedisLiveness
    seen: RedisSeenMessages
    channels: RedisChannels
    funnel: RedisFunnel
    qr_images: RedisQrImages


def build_state(settings: Settings, clock: Clock) -> State:
    client = connect(settings.redis_url, settings.redis_timeout_s)
    funnel = funnel_policy(settings)
    return State(
        client=client,
        codes=RedisCodes(
            client,
            quota_policy(settings),
            code_policy(settings),
            settings.ticket_ttl_s,
            settings.form_ttl_s,
            funnel,
        ),
        tickets=RedisTickets(client, funnel),
        marks=RedisDeliveryMarks(client),
        breakers=CachedBreakers(RedisBreakers(client, breaker_policy(settings)), clock),
        limits=RedisRateLimits(client),
        audit=RedisAuditLog(client),
        liveness=RedisLiveness(client),
        seen=RedisSeenMessages(client),
        channels=RedisChannels(client),
        funnel=RedisFunnel(client, funnel),
        qr_images=RedisQrImages(client),
    )


def form_sealer(settings: Settings, clock: Clock) -> EpochSealer:
    """Forms are sealed under epoch keys held in Redis memory only (crypto-shredding): on the
    key store when KEYSTORE_REDIS_URL names one (a memory-only Redis), else on REDIS_URL."""
    url = settings.keystore_redis_url or settings.redis_url
    if not settings.keystore_redis_url and not settings.sandbox:
        log.warning(
            "KEYSTORE_REDIS_URL is not set: the forms' keys share REDIS_URL, and an AOF rewrite"
            " may write live keys to disk (docs/design.md, crypto-shredding)"
        )
    # a key lives as long as the longest-lived thing it seals: a form, or a result SMS parked
    # for the retry window of a throttled gateway
    keep_s = max(settings.form_ttl_s, settings.sms_retry_window_s + KEEP_AFTER_WINDOW_S)
    return EpochSealer(EpochKeys(connect(url, settings.redis_timeout_s), clock, keep_s=keep_s))
