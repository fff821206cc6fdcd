"""40 concurrent attempts at one slot on PostgreSQL (SPEC.md "Figures it must reach").

Forty clients, each in its own thread with its own database connection, POST the same start
with the same practitioner to ``/api/v1/appointments`` at once (released by a barrier). Expected:
exactly one ``201``, the rest ``409``, no ``500``, and no two active appointments overlapping for
a practitioner or a room. Needs ``DATABASE_URL`` pointing at PostgreSQL (the exclusion
constraints are the guarantee); prints SKIPPED otherwise. Uses a throwaway ``test_...`` database.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench .venv/bin/python bench/booking_race.py``
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, next_monday, setup_django, throwaway_database

ATTEMPTS = 40

OVERLAPS = """
    SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
      ON a.id < b.id
     AND (a.practitioner_id = b.practitioner_id OR a.room_id = b.room_id)
     AND a.start < b.blocked_until AND b.start < a.blocked_until
     AND a.status IN ('booked', 'checked_in', 'completed')
     AND b.status IN ('booked', 'checked_in', 'completed')
"""


def _race(browsers: list, body: dict[str, object]) -> tuple[list[int], float]:
    """Every browser POSTs ``body`` at once; their status codes and the seconds it took."""
    from django.db import connections

    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(browser) -> None:
        try:
            barrier.wait()
            code = browser.post("/api/v1/appointments", body, content_type="application/json").status_code
        except Exception as error:
            print(f"error: {error!r}")
            code = 500
        finally:
            connections.close_all()
        with lock:
            statuses.append(code)

    threads = [threading.Thread(target=attempt, args=(b,)) for b in browsers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - started


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("SKIPPED booking race: needs PostgreSQL (set DATABASE_URL=postgres://...); SQLite serialises writers")
        return 0
    setup_django("booking_race")
    import datetime as dt

    from django.db import connection
    from django.test import Client

    from scheduling.models import Appointment, Practitioner
    from spa.lib.time import local_datetime
    from tests.factories import PractitionerFactory, RoomFactory, make_client
    from treatments.defaults import load_default_rules

    with throwaway_database() as database:
        print(f"database: {database}")
        load_default_rules()
        for n in range(2):
            RoomFactory(name=f"Room {n + 1}")
        anna: Practitioner = PractitionerFactory(display_name="Anna", user__email="anna@bench.spa")
        PractitionerFactory(display_name="Ben", user__email="ben@bench.spa")
        start = local_datetime(next_monday(), dt.time(10))
        clients = [make_client(f"racer{n}@bench.spa") for n in range(ATTEMPTS)]
        body = {"service": "microneedling-face", "start": start.isoformat(), "practitioner": anna.pk}

        # Log every client in before the race: each thread then holds a ready session.
        browsers = []
        for person in clients:
            browser = Client()
            browser.force_login(person)
            browsers.append(browser)
        connection.close()

        statuses, elapsed = _race(browsers, body)
        counts = Counter(statuses)
        rows = Appointment.objects.filter(practitioner=anna, start=start, status="booked").count()
        with connection.cursor() as cursor:
            cursor.execute(OVERLAPS)
            (overlapping,) = cursor.fetchone()
        print(f"{ATTEMPTS} attempts in {elapsed:.2f} s: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        ok = figure("booking race 201 responses", counts[201], 1, fmt="d", exact=True)
        ok &= figure("booking race 409 responses", counts[409], ATTEMPTS - 1, fmt="d", exact=True)
        ok &= figure(
            "booking race 5xx responses", sum(v for k, v in counts.items() if k >= 500), 0, fmt="d", exact=True
        )
        ok &= figure("booking race rows at the slot", rows, 1, fmt="d", exact=True)
        ok &= figure("booking race overlapping active rows", overlapping, 0, fmt="d", exact=True)
        connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
