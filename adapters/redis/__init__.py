"""The state ports (app/ports/state.py) on Redis: one module per port, one key module, and one
Lua script or pipeline per check-and-update, so a request costs as few round trips as it can."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

CLUSTER_SCHEME = "redis+cluster://"


def connect(url: str, timeout_s: float) -> redis.Redis:
    """Short timeouts and no retry loop: while Redis is down, answer 503 within seconds.

    `redis+cluster://host:port` connects to a Redis Cluster through any of its nodes; the keys
    one operation touches share a hash tag (adapters/redis/keys.py), so each script stays in a
    slot.
    """
    if url.startswith(CLUSTER_SCHEME):
        return RedisCluster.from_url(  # type: ignore[return-value]
            "redis://" + url.removeprefix(CLUSTER_SCHEME),
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


def is_cluster(client: redis.Redis) -> bool:
    return isinstance(client, RedisCluster)
