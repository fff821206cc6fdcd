"""Test settings: the real settings with SPA_TESTING on (fast hasher, in-memory mail and SMS)."""

from __future__ import annotations

import os

os.environ.setdefault("SPA_TESTING", "1")

from spa.settings import *  # noqa: F403
