"""The state ports on one Redis connection pool, and the forms' sealer on the key store."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from adapters.epoch_sealing import EpochKeys, EpochSealer
from adapters.redis import connect, keys
from adapters.redis.audit import RedisAuditLog
from adapters.redis.breakers import CachedBreakers, RedisBreakers
from adapters.redis.channels import RedisChannels
from adapters.redis.codes import RedisCodes
from adapters.redis.delivery_marks import RedisDeliveryMarks
from adapters.redis.funnel import RedisFunnel
from adapters.redis.limits import RedisRateLimits
from adapters.redis.liveness import RedisLiveness
from adapters.redis.my_queries import RedisMyQueries
from adapters.redis.nonces import RedisNonces
from adapters.redis.qr_images import RedisQrImages
from adapters.redis.reports import RedisReports
from adapters.redis.seen_messages import RedisSeenMessages
from adapters.redis.tickets import RedisTickets
from adapters.task_queue import DramatiqQueue
from app.config import Settings
from app.domain.reports import DAY_S, REFERENCE_TTL_S, REPORT_TTL_S
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
    reports: RedisReports
    my_queries: RedisMyQueries
    nonces: RedisNonces
    channels: RedisChannels
    funnel: RedisFunnel
    qr_images: RedisQrImages


def build_state(settings: Settings, clock: Clock, queue: DramatiqQueue | None = None) -> State:
    """queue: the API's task queue; on Dramatiq's Redis broker, a redeemed code's script also
    queues the ticket's task (one round trip for the submit)."""
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
            funnel=funnel,
            queue=queue if queue is not None and queue.inline else None,
        ),
        tickets=RedisTickets(client, funnel),
        marks=RedisDeliveryMarks(client),
        breakers=CachedBreakers(RedisBreakers(client, breaker_policy(settings)), clock),
        limits=RedisRateLimits(client),
        audit=RedisAuditLog(client),
        liveness=RedisLiveness(client),
        seen=RedisSeenMessages(client),
        reports=RedisReports(client),
        my_queries=RedisMyQueries(client),
        nonces=RedisNonces(client),
        channels=RedisChannels(client),
        funnel=RedisFunnel(client, funnel),
        qr_images=RedisQrImages(client),
    )


def form_sealer(settings: Settings, clock: Clock) -> EpochSealer:
    """Forms are sealed under epoch keys held in Redis memory only (crypto-shredding): on the
    key store when KEYSTORE_REDIS_URL names one (a memory-only Redis), else on REDIS_URL."""
    url = _keystore_url(settings)
    # a key lives as long as the longest-lived thing it seals: a form, or a result SMS parked
    # for the retry window of a throttled gateway
    keep_s = max(settings.form_ttl_s, settings.sms_retry_window_s + KEEP_AFTER_WINDOW_S)
    return EpochSealer(EpochKeys(connect(url, settings.redis_timeout_s), clock, keep_s=keep_s))


def report_sealer(settings: Settings, clock: Clock) -> EpochSealer:
    """The phone (and the `keep` endings) kept for a report, sealed as forms are, but under
    keys of their own: a day's epoch, kept 7 days past it. A phone sealed at a query's end is
    read within 7 days (a report's first run), which seals it again for the report's own 7
    days; so no key lives longer than 8 days, and the forms' keys stay an hour's."""
    client = connect(_keystore_url(settings), settings.redis_timeout_s)
    keep_s = max(REFERENCE_TTL_S, REPORT_TTL_S)
    return EpochSealer(
        EpochKeys(client, clock, keep_s=keep_s, epoch_s=DAY_S, name=keys.report_seal_key)
    )


def _keystore_url(settings: Settings) -> str:
    if not settings.keystore_redis_url and not settings.sandbox:
        log.warning(
            "KEYSTORE_REDIS_URL is not set: the forms' keys share REDIS_URL, and an AOF rewrite"
            " may write live keys to disk (docs/design.md, crypto-shredding)"
        )
    return settings.keystore_redis_url or settings.redis_url
