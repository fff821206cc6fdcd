"""A Redis cache that fails open: when Redis is down the app keeps working without a cache.

Everything the cache holds here can be lost (API throttle counters, cached availability answers,
the availability version), and nothing the app *stores* lives in it: bookings are rows in the
database. So a Redis outage must cost speed and rate limits, never a booking. Every operation
that fails with a Redis error is logged and answered as a miss (``get`` → default, ``add`` and
``set`` → not stored, ``incr`` → ``ValueError`` as for a missing key, which callers already
handle). After a failure the cache stays "open" for ``RETRY_AFTER_SECONDS`` without trying
Redis again, so a dead or unreachable server costs one connection attempt per process per
period, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("spa.cache")

#: Seconds to skip Redis after a failure (a circuit breaker per process and server).
RETRY_AFTER_SECONDS = 5.0
#: A dead server should cost milliseconds, not the client's default minutes.
SOCKET_TIMEOUT_SECONDS = 0.5

_T = TypeVar("_T")
_open_until: dict[str, float] = {}
_lock = threading.Lock()


def redis_cache_settings(url: str) -> dict[str, Any]:
    """The ``CACHES`` entry for Redis at ``url``: fail-open, short timeouts, no retry loop."""
    return {
        "BACKEND": "spa.lib.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            # redis-py 8 retries a refused connection 3 times with up to 10 s of backoff.
            "retry": Retry(NoBackoff(), 0),
        },
    }


def cache_is_open(location: str) -> bool:
    """True while the breaker for ``location`` skips Redis after a recent failure."""
    with _lock:
        return _open_until.get(location, 0.0) > time.monotonic()


def reset_breaker() -> None:
    """Forget every recent failure (tests)."""
    with _lock:
        _open_until.clear()


class _SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client wrapper, making one ``redis.Redis`` per connection pool instead of
    one per operation: building one costs about as much as a round trip to Redis (it copies
    some 170 response callbacks), and a cold availability answer makes several operations. A
    ``redis.Redis`` is safe to share between threads (each command borrows a pooled connection).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering as a miss instead of raising when Redis fails."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient

    def _guard(self, operation: str, call: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
        location = str(self._servers)
        if cache_is_open(location):
            return fallback()
        try:
            return call()
        except RedisError as error:
            with _lock:
                _open_until[location] = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Cache: Redis failed on %s (%s); serving without the cache for %.0f s.",
                operation,
                error,
                RETRY_AFTER_SECONDS,
            )
            return fallback()

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:
        return self._guard("add", lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), _false)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard("get", lambda: super(FailOpenRedisCache, self).get(key, default, version), lambda: default)

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:
        self._guard("set", lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), _none)

    def touch(self, key: Any, timeout: Any = None, version: Any = None) -> bool:
        return self._guard("touch", lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), _false)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard("delete", lambda: super(FailOpenRedisCache, self).delete(key, version), _false)

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        return self._guard("get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard("has_key", lambda: super(FailOpenRedisCache, self).has_key(key, version), _false)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        def missing() -> int:
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")

        return self._guard("incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), missing)

    def set_many(self, data: Any, timeout: Any = None, version: Any = None) -> list[str]:
        return self._guard(
            "set_many", lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), lambda: list(data)
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guard("delete_many", lambda: super(FailOpenRedisCache, self).delete_many(keys, version), _none)

    def clear(self) -> bool:
        return self._guard("clear", lambda: super(FailOpenRedisCache, self).clear(), _false)


def _false() -> bool:
    return False


def _none() -> None:
    return None
