"""Redis failures become the port's StoreUnavailable, once, at the adapter's edge."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis

from app.ports.state import StoreUnavailable

P = ParamSpec("P")
R = TypeVar("R")


def unavailable_on_redis_error(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    return wrapper
