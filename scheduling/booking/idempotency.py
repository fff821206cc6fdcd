"""One tap, one booking: a write repeated with the same key is answered, not done again.

The API's booking writes accept an ``Idempotency-Key`` header and the booking pages send a
one-time form token; both come here. The first request with a key claims it (a row inserted and
committed on its own, so a concurrent repeat sees it at once), runs, and stores its answer. A
repeat from the same user with the same key:

- gets the stored answer (same status and body: the same appointment id), nothing is done twice;
- waits a little while the first request is still running, then gets its answer (or a 409
  ``request_in_progress`` if it is slow);
- with another body or path gets 422 ``idempotency_key_reused``.

A first request that is refused (a ``DomainError`` or an invalid body) or fails frees its key:
it did nothing, so a repeat is simply tried again. Keys are kept ``SPA_IDEMPOTENCY_KEEP_HOURS``
(48) and then deleted by ``forget_old_keys`` (a beat task).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import User
from scheduling.errors import SchedulingError
from scheduling.models import IdempotencyKey

MAX_KEY_LENGTH = 255
# How long a repeat waits for the first request to finish before answering 409.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool = False


def fingerprint(payload: Any) -> str:
    """A stable hash of a request body (keys sorted, so field order does not matter)."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(*, user: User, key: str, scope: str, digest: str) -> IdempotencyKey | None:
    """The new row when this request is the first with ``key``; None when another has it."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, scope=scope, fingerprint=digest)
    except IntegrityError:
        return None


def _wait_for_first(*, user: User, key: str, scope: str, digest: str) -> Answer:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = IdempotencyKey.objects.filter(user=user, key=key).first()
        if row is None:
            # The first request failed and freed the key meanwhile: this one may run.
            raise _Retry
        if row.scope != scope or row.fingerprint != digest:
            raise SchedulingError("idempotency_key_reused", field="Idempotency-Key")
        if row.status_code is not None:
            return Answer(status=row.status_code, body=row.response, replayed=True)
        if time.monotonic() > deadline:
            raise SchedulingError("request_in_progress")
        time.sleep(POLL_SECONDS)


class _Retry(Exception):
    pass


def run_once(*, user: User, key: str, scope: str, payload: Any, run: Callable[[], Answer]) -> Answer:
    """``run()`` once for ``(user, key)``; a repeat gets the first ``Answer`` back.

    ``scope`` is the method and path; ``payload`` the request body. ``run`` must not be inside a
    transaction of the caller's (the services it calls own theirs).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise SchedulingError("bad_idempotency_key", field="Idempotency-Key", max=MAX_KEY_LENGTH)
    digest = fingerprint(payload)
    for _attempt in range(3):
        row = _claim(user=user, key=key, scope=scope, digest=digest)
        if row is None:
            try:
                return _wait_for_first(user=user, key=key, scope=scope, digest=digest)
            except _Retry:
                continue
        try:
            answer = run()
        except BaseException:
            row.delete()
            raise
        IdempotencyKey.objects.filter(pk=row.pk).update(status_code=answer.status, response=answer.body)
        return answer
    raise SchedulingError("request_in_progress")


def forget_old_keys(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``SPA_IDEMPOTENCY_KEEP_HOURS``; return how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.SPA_IDEMPOTENCY_KEEP_HOURS)
    deleted, _kinds = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
