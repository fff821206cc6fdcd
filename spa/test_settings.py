"""Test settings: the real settings in development mode, plus the switches only tests use (a
fast password hasher, in-memory mail and SMS)."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")

from spa.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = "spa.lib.sms.LocmemSMSBackend"

if not REDIS_URL:  # noqa: F405
    # The kicks tests send (no worker runs) go to a folder of this run's own, not to var/, where
    # the next `make run`'s worker would pick them up.
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    _broker = Path(tempfile.mkdtemp(prefix="spa-test-broker-"))
    atexit.register(shutil.rmtree, _broker, ignore_errors=True)
    for _name in ("queue", "processed", "control"):
        (_broker / _name).mkdir()
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
    }
