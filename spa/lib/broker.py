"""Is the Redis broker there? A fast answer, so a booking never waits on a dead broker."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger("spa.broker")

#: After a failed ping, kicks skip the broker for this long (the beat sweeper sends the rows).
RETRY_AFTER_SECONDS = 10.0
_down_until: dict[str, float] = {}
_lock = threading.Lock()


def redis_answers(url: str, *, timeout: float = 0.5) -> bool:
    """One PING with short timeouts and no retries (redis-py 8 otherwise retries with backoff
    for several seconds)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def broker_probably_up() -> bool:
    """False while a Redis broker was found down in the last ``RETRY_AFTER_SECONDS``; the
    filesystem broker (no ``REDIS_URL``) is always there."""
    url = settings.REDIS_URL
    if not url:
        return True
    with _lock:
        if _down_until.get(url, 0.0) > time.monotonic():
            return False
    if redis_answers(url):
        return True
    with _lock:
        _down_until[url] = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("Broker: Redis does not answer; messages wait in the outbox for the beat sweeper.")
    return False


def reset_breaker() -> None:
    """Forget a recent failure (tests)."""
    with _lock:
        _down_until.clear()
