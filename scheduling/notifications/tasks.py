"""Celery tasks of the outbox: thin, each calls one service in ``scheduling.notifications.dispatch``.

How messages leave:
- ``dispatch_due_notifications`` runs every minute from beat (``CELERY_BEAT_SCHEDULE``) and
  after each commit that wrote a due-now row (``outbox.kick_dispatch`` sends it by name, via
  ``transaction.on_commit``, so the outbox does not import the tasks).
  It reclaims stuck rows, then claims due rows in batches and sends them inline, draining a
  backlog for up to ``DRAIN_SECONDS`` (less than the beat interval). Inline rather than one task
  per row: the rows are the queue, so the broker carries only "look now", a lost broker message
  costs a minute at most, and several of these tasks at once (more workers, a kick and the beat)
  share the work through exclusive claims.
- ``send_notification`` sends one row by id (claims it itself; a row already claimed or sent
  is left alone). Used for single rows, e.g. from the shell or a staff action.

Never a ``countdown``/``eta`` for a reminder: a row's ``due_at`` is the schedule (PITFALLS.md).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from scheduling.notifications import dispatch

# Task names as they were before the module moved into scheduling.notifications: messages already
# queued and the beat schedule (spa/settings.py) name them so.
NAME = "scheduling.tasks"

logger = logging.getLogger(__name__)

#: How long one dispatch task keeps draining batches (the beat comes back every 60 s).
DRAIN_SECONDS = 50.0


@shared_task(name=f"{NAME}.dispatch_due_notifications", acks_late=True, ignore_result=True)
def dispatch_due_notifications() -> dict[str, int]:
    result = dispatch.dispatch_due_notifications(time_budget_seconds=DRAIN_SECONDS)
    return {"reclaimed": result.reclaimed, "claimed": result.claimed, **result.outcomes}


@shared_task(
    name=f"{NAME}.send_notification",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_notification(notification_id: int) -> str:
    return dispatch.send_notification(notification_id)


@shared_task(name=f"{NAME}.forget_old_idempotency_keys", ignore_result=True)
def forget_old_idempotency_keys() -> int:
    """Hourly: keys (and booking form tokens) older than ``SPA_IDEMPOTENCY_KEEP_HOURS`` go."""
    from scheduling.booking.idempotency import forget_old_keys

    return forget_old_keys()
