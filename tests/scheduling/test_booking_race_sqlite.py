"""Many clients at one slot on a SQLite file database: one booking, the rest a clean 409.

SQLite has no exclusion constraints. The settings open every transaction with ``BEGIN
IMMEDIATE`` (``transaction_mode``), so the bookings queue for the write lock instead of all
reading "free" and then failing to upgrade their lock ("database is locked", a 500). The race
runs in its own process (``sqlite_race.py``) on a file database made for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
THREADS = 16


def test_sixteen_clients_racing_for_one_slot_on_a_sqlite_file(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "spa.test_settings",
    }
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "tests.scheduling.sqlite_race", str(THREADS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcomes = Counter((status, code) for status, code in json.loads(run.stdout.strip().splitlines()[-1]))
    assert outcomes == {(201, ""): 1, (409, "slot_taken"): THREADS - 1}, (outcomes, run.stderr[-3000:])
