"""Health checks for /healthz: the database answers, the Celery broker takes messages and a
worker consumes them, and the outbox keeps up."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from scheduling.models import Notification
from spa.lib.broker import redis_answers

#: On the filesystem broker, a message still waiting after this long means no worker consumes.
STALE_MESSAGE_SECONDS = 120
#: The beat kicks the sweeper every minute: a row due longer than this means sending is stuck.
OUTBOX_LATE_MINUTES = 10


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_folder() -> Path:
    """Where the filesystem broker keeps the messages waiting for a worker."""
    return Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])


def broker_state() -> str:
    """``ok``; ``down`` when Redis does not answer a PING (0.5 s timeout) or the filesystem
    broker's folder cannot be written; ``stalled`` when a message has waited in that folder for
    more than ``STALE_MESSAGE_SECONDS`` (the broker is there, but no worker takes messages)."""
    if settings.REDIS_URL:
        return "ok" if redis_answers(settings.REDIS_URL) else "down"
    folder = broker_folder()
    try:
        probe = folder / ".healthz"
        probe.touch()
        probe.unlink()
        oldest = min((entry.stat().st_mtime for entry in folder.glob("*.msg")), default=None)
    except OSError:
        return "down"
    if oldest is not None and time.time() - oldest > STALE_MESSAGE_SECONDS:
        return "stalled"
    return "ok"


def outbox_state(now: dt.datetime | None = None) -> str:
    """``late`` when a pending message has been due for more than ``OUTBOX_LATE_MINUTES``
    (quiet hours move an SMS's due time, so they never count as late), else ``ok``."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=OUTBOX_LATE_MINUTES)
    late = Notification.objects.filter(status=Notification.Status.PENDING, due_at__lt=cutoff).exists()
    return "late" if late else "ok"
