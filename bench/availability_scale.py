"""Availability at scale: 168 days × 32 practitioners (issue 16's target: engine <= 80 ms).

32 practitioners, 16 rooms, Monday–Saturday 09:00–18:00, the 60-minute service; the 168 days
from next Monday booked to 60% of what the rooms hold. Prints the engine's queries (the same as
for one day) and the median of ``available_slots`` over those 168 days (no cache involved:
every call computes). Run: ``.venv/bin/python bench/availability_scale.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    build_spa,
    cpu_timed,
    figure,
    load_note,
    machine_load,
    round_trips,
    setup_django,
    throwaway_database,
    timed,
)

RUNS = 15
DAYS = 168


def main() -> int:
    setup_django("availability_scale")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling.resources.availability import available_slots, free_starts

    with throwaway_database() as database:
        print(f"database: {database}")
        started = time.perf_counter()
        spa = build_spa(practitioners=32, rooms=16, appointments=20_000, future_days=DAYS)
        print(
            f"data: {spa['total']} appointments, {spa['future']} in the {DAYS} days from {spa['first']}, "
            f"32 practitioners, 16 rooms, built in {time.perf_counter() - started:.1f} s"
        )
        service, first, last = spa["service"], spa["first"], spa["last"]

        def engine() -> list:
            return available_slots(service=service, start_date=first, end_date=last)

        with CaptureQueriesContext(connection) as queries:
            slots = engine()
        with CaptureQueriesContext(connection) as one_day:
            available_slots(service=service, start_date=first, end_date=first)
        print(f"slots offered in the {DAYS} days: {len(slots)}")
        ok = figure(f"availability queries ({DAYS} days, 32 practitioners)", len(queries), len(one_day), fmt="d")
        print(f"machine: {machine_load()}")
        print(round_trips())
        samples = timed(engine, RUNS)
        found = timed(lambda: free_starts(service=service, start_date=first, end_date=last), RUNS)
        found_cpu = cpu_timed(lambda: free_starts(service=service, start_date=first, end_date=last), RUNS)
        print(
            f"info: of which free starts (bitmaps, no datetimes) median {statistics.median(found):.1f} ms, "
            f"CPU {statistics.median(found_cpu):.1f} ms"
        )
        cpu = cpu_timed(engine, RUNS)
        print(f"info: CPU time of this process per call, median {statistics.median(cpu):.1f} ms")
        ok &= figure(
            f"availability engine, {DAYS} days x 32 practitioners, median",
            statistics.median(samples),
            80,
            " ms",
            note=load_note(cpu),
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
