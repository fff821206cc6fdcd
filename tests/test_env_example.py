"""``.env.example`` lists every setting the app reads from the environment (issue 12, defect 7)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# env("X"), env.str("X", ...), env.db_url("X", ...), env.cache_url("X", ...), ...
READ = re.compile(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"')
LISTED = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def test_every_variable_read_by_the_settings_is_in_env_example_and_nothing_else():
    read = set(READ.findall((ROOT / "spa" / "settings.py").read_text()))
    listed = set(LISTED.findall((ROOT / ".env.example").read_text()))
    assert read, "the pattern no longer finds the settings' env(...) calls"
    assert read - listed == set(), f"read by spa/settings.py but missing from .env.example: {sorted(read - listed)}"
    assert listed - read == set(), f"in .env.example but never read: {sorted(listed - read)}"
