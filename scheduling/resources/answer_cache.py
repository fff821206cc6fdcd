"""Cached answers of the public availability API, kept out of the engine.

Many clients look at the same service and month. The API keeps each answer (the JSON bytes)
for up to a minute, keyed by a schedule version that every committed write to appointments,
hours, time off, closures, practitioners, rooms or services bumps (signals wired in
``SchedulingConfig.ready``: the admin writes too). Bookings never trust the cache: they re-check
the slot inside their transaction (and on PostgreSQL the exclusion constraints hold). The engine
(``scheduling.resources.availability``) knows nothing of this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.db import transaction

_VERSION_KEY = "availability:version"
CACHE_SECONDS = 60


# The version is read from the shared cache at most once a second per process (a round trip
# to Redis costs more than the cached answer itself); a bump in this process is seen at once,
# one in another process within a second. Bookings re-check in the database regardless.
_VERSION_TTL = 1.0
_local_version: list[float] = [0, -_VERSION_TTL]  # [version, monotonic time it was read]


def schedule_version() -> int:
    version, read_at = _local_version
    if time.monotonic() - read_at < _VERSION_TTL:
        return int(version)
    version = cache.get(_VERSION_KEY)
    if version is None:
        # A fresh number (not 1) so a restarted cache never reuses an old version's answers;
        # read back only when another process added one first.
        fresh = time.time_ns()
        version = fresh if cache.add(_VERSION_KEY, fresh, timeout=None) else cache.get(_VERSION_KEY)
    if version is None:
        # The shared cache is down (spa.lib.cache fails open): a number no other answer was
        # keyed by, so nothing cached here is served while bumps elsewhere cannot be seen.
        return time.time_ns()
    _local_version[:] = [version, time.monotonic()]
    return version


def _bump() -> None:
    try:
        version = cache.incr(_VERSION_KEY)
    except ValueError:  # evicted: start a fresh version
        version = time.time_ns()
        cache.set(_VERSION_KEY, version, timeout=None)
    _local_version[:] = [version, time.monotonic()]


def forget_cached_answers() -> None:
    """Drop every cached answer of this process and the shared version (tests, benchmarks)."""
    cache.delete(_VERSION_KEY)
    _local_version[:] = [0, -_VERSION_TTL]
    with _LOCAL_LOCK:
        _LOCAL_ANSWERS.clear()


def schedule_changed(**_signal_kwargs: object) -> None:
    """Invalidate every cached availability answer once the current transaction commits."""
    # robust: a cache failure after the commit must never turn a saved booking into a 500.
    transaction.on_commit(_bump, robust=True)


def answer_key(parts: tuple[object, ...], *, now: dt.datetime) -> str:
    """The cache key of an answer to ``parts`` at this schedule version and minute.

    The minute is part of the key so the minimum notice moves on as time passes.
    """
    minute = int(now.timestamp() // 60)
    digest = hashlib.sha256(repr((schedule_version(), minute, *parts)).encode()).hexdigest()
    return f"availability:{digest}"


# A month's answer is a few hundred KiB: fetching it from Redis costs more than the rest of the
# request. Each process keeps the latest answers in memory too; their keys embed the schedule
# version (read from the shared cache on every request), so a bump elsewhere is never missed.
_LOCAL_ANSWERS: OrderedDict[str, bytes] = OrderedDict()
_LOCAL_LIMIT = 32
_LOCAL_LOCK = threading.Lock()


def cached_answer(key: str) -> bytes | None:
    with _LOCAL_LOCK:
        body = _LOCAL_ANSWERS.get(key)
        if body is not None:
            _LOCAL_ANSWERS.move_to_end(key)
            return body
    body = cache.get(key)
    if body is not None:
        _remember_locally(key, body)
    return body


def remember_answer(key: str, body: bytes) -> None:
    cache.set(key, body, timeout=CACHE_SECONDS)
    _remember_locally(key, body)


def _remember_locally(key: str, body: bytes) -> None:
    with _LOCAL_LOCK:
        _LOCAL_ANSWERS[key] = body
        _LOCAL_ANSWERS.move_to_end(key)
        while len(_LOCAL_ANSWERS) > _LOCAL_LIMIT:
            _LOCAL_ANSWERS.popitem(last=False)
