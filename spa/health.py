"""Health checks for /healthz: the database and the Celery broker answer."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 (any failure means "down")
        return False


def broker_ok() -> bool:
    """Redis answers a PING (0.5 s timeout), or the filesystem broker's folder is writable."""
    if settings.REDIS_URL:
        import redis

        try:
            return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return folder.is_dir() and os.access(folder, os.W_OK)
