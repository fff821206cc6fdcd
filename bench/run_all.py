"""Run every benchmark in bench/ and print each figure of SPEC.md beside its target.

Each benchmark is a script printing lines ``FIGURE <name>: <value> (target <target>) OK|MISS``
(or ``SKIPPED <reason>``). This runner runs them one after another and prints a summary.

The PostgreSQL and Redis figures need ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; when they
are unset and the services answer on 127.0.0.1 (5432, 6379), the runner uses them, with a
database of its own (``spa_bench``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [
    "availability.py",
    "availability_scale.py",
    "booking_race.py",
    "notifications.py",
    "queries.py",
    "first_page.sh",
]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _runner(script: Path) -> list[str]:
    return ["bash"] if script.suffix == ".sh" else [sys.executable]


def main() -> int:
    env = dict(os.environ)
    if "DATABASE_URL" not in env and _listening(5432):
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/spa_bench"
    if "REDIS_URL" not in env and _listening(6379):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
    print(f"database: {env.get('DATABASE_URL', 'SQLite (embedded default)')}")
    print(f"broker:   {env.get('REDIS_URL', 'filesystem (embedded default)')}")
    print(f"machine:  {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    figures: list[str] = []
    failed = False
    for name in SCRIPTS:
        script = ROOT / "bench" / name
        if not script.exists():
            continue
        print(f"== {name}")
        started = time.perf_counter()
        result = subprocess.run(
            [*_runner(script), str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
        )
        sys.stdout.write(result.stdout)
        if result.returncode != 0:
            failed = True
            sys.stdout.write(result.stderr[-3000:])
        figures += [line for line in result.stdout.splitlines() if line.startswith(("FIGURE", "SKIPPED"))]
        print(f"   ({time.perf_counter() - started:.1f} s)\n")
    print("== Summary")
    for line in figures:
        print(line)
    missed = [line for line in figures if line.rstrip().endswith("MISS")]
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
