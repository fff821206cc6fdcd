"""Test settings: the real settings in development mode, plus the switches only tests use (a
fast password hasher, in-memory mail and SMS)."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")

from spa.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = "spa.lib.sms.LocmemSMSBackend"
