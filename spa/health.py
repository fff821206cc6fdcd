"""Health checks for /healthz: the database and the Celery broker answer."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import connection

from spa.lib.broker import redis_answers


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_ok() -> bool:
    """Redis answers a PING (0.5 s timeout), or the filesystem broker's folder is writable."""
    if settings.REDIS_URL:
        return redis_answers(settings.REDIS_URL)
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return folder.is_dir() and os.access(folder, os.W_OK)
