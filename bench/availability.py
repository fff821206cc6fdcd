"""Availability, cold and warm (SPEC.md "Figures it must reach", issue 16's targets).

The benchmark spa: 8 practitioners, 4 rooms, Monday–Saturday 09:00–18:00, a 60-minute service
(15-minute buffer), 20,000 appointments with the 28 days from next Monday about 60% booked.
Prints, each beside its target:
- the SQL queries of the engine for 1 and 28 days (<= 6, the same for both);
- the engine (``available_slots``, 28 days) median: no cache is involved, every call is cold;
- through the API (Django's test client, the real middleware): ``availability/days`` for 28
  days, ``availability`` for one day, for 28 days and compact for 28 days, each COLD (the answer
  cache and the schedule version emptied before every request, as right after a booking) and
  WARM (the same question again), against a trivial JSON view (``bench/trivial_urls.py``)
  measured in the same run;
- the bytes of the full and the compact 28-day answers.
A cold figure that misses its target fails the run.

Run: ``.venv/bin/python bench/availability.py`` (SQLite file under var/bench/, or the server of
DATABASE_URL with a throwaway ``test_...`` database). ``bench/availability_scale.py`` measures
168 days × 32 practitioners.
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
    p95,
    round_trips,
    setup_django,
    throwaway_database,
    timed,
)

RUNS = 40


def _api_figures(client, urls: dict[str, str], trivial: list[float]) -> tuple[bool, dict[str, list[float]]]:
    """Cold and warm timings of each URL, printed beside the trivial view; cold targets checked."""
    from scheduling.resources.answer_cache import forget_cached_answers

    targets = {"days, 28 days": 10.0, "one day": 6.0}
    ok = True
    samples: dict[str, list[float]] = {}
    base = p95(trivial)
    for name, url in urls.items():
        assert client.get(url).status_code == 200
        cold = timed(lambda url=url: (forget_cached_answers(), client.get(url)), RUNS)
        warm = timed(lambda url=url: client.get(url), RUNS)
        cold_cpu = cpu_timed(lambda url=url: (forget_cached_answers(), client.get(url)), RUNS)
        samples[f"{name} cold"], samples[f"{name} warm"] = cold, warm
        print(
            f"info: API {name}: cold median {statistics.median(cold):.2f} ms, p95 {p95(cold):.2f} ms "
            f"({p95(cold) / base:.0f}x trivial), CPU median {statistics.median(cold_cpu):.2f} ms, "
            f"p95 {p95(cold_cpu):.2f} ms; warm median {statistics.median(warm):.2f} ms, "
            f"p95 {p95(warm):.2f} ms ({p95(warm) / base:.1f}x trivial)"
        )
        if name in targets:
            note = f"CPU p95 {p95(cold_cpu):.2f} ms, {load_note(cold_cpu)}"
            ok &= figure(f"availability API {name}, cold p95", p95(cold), targets[name], " ms", fmt=".2f", note=note)
    return ok, samples


def main() -> int:
    setup_django("availability")
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.trivial_urls"  # the project's URLs plus the trivial baseline
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from scheduling.resources.availability import available_slots

    with throwaway_database() as database:
        print(f"database: {database}")
        started = time.perf_counter()
        spa = build_spa()
        print(
            f"data: {spa['total']} appointments, {spa['future']} in the 28 days from {spa['first']} "
            f"(60% of what 4 rooms hold), 8 practitioners, built in {time.perf_counter() - started:.1f} s"
        )
        service, first, last = spa["service"], spa["first"], spa["last"]

        def in_process() -> list:
            return available_slots(service=service, start_date=first, end_date=last)

        with CaptureQueriesContext(connection) as queries:
            slots = in_process()
        with CaptureQueriesContext(connection) as one_day:
            available_slots(service=service, start_date=first, end_date=first)
        print(f"slots offered in the 28 days: {len(slots)}")
        ok = figure("availability queries (28 days, 8 practitioners)", len(queries), 6, fmt="d")
        same = len(one_day) == len(queries)
        ok &= figure("availability queries (1 day)", len(one_day), len(queries), fmt="d", exact=True) and same

        print(f"machine: {machine_load()}")
        print(round_trips())
        engine = timed(in_process, RUNS)
        database = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as run:
                in_process()
            database.append(sum(float(q["time"]) for q in run.captured_queries) * 1000)
        cpu = cpu_timed(in_process, RUNS)
        print(
            f"info: engine median {statistics.median(engine):.2f} ms, of which waiting on its "
            f"{len(queries)} queries {statistics.median(database):.2f} ms (median of {RUNS}); "
            f"CPU time of this process median {statistics.median(cpu):.2f} ms"
        )
        ok &= figure(
            "availability engine, 28 days x 8 practitioners, median",
            statistics.median(engine),
            4,
            " ms",
            note=load_note(cpu),
        )
        ok &= figure("availability p95 in-process (28 days)", p95(engine), 100, " ms")

        client = Client()
        query = f"service={service.slug}&start={first.isoformat()}&end={last.isoformat()}"
        urls = {
            "days, 28 days": f"/api/v1/availability/days?{query}",
            "one day": f"/api/v1/availability?service={service.slug}&start={first.isoformat()}&end={first.isoformat()}",
            "28 days": f"/api/v1/availability?{query}",
            "28 days compact": f"/api/v1/availability?{query}&compact=1",
        }
        full_bytes = len(client.get(urls["28 days"]).content)
        compact_bytes = len(client.get(urls["28 days compact"]).content)
        print(f"info: 28-day answer {full_bytes / 1024:.1f} KiB in full, {compact_bytes / 1024:.1f} KiB compact")
        ok &= figure("availability compact 28-day body", compact_bytes / 1024, 40, " KiB")

        assert client.get("/bench/trivial").status_code == 200
        trivial = timed(lambda: client.get("/bench/trivial"), RUNS)
        print(f"info: trivial JSON view median {statistics.median(trivial):.2f} ms, p95 {p95(trivial):.2f} ms")
        api_ok, samples = _api_figures(client, urls, trivial)
        print(f"machine: {machine_load()}")
        ok &= api_ok
        # SPEC.md's figure: a repeated question within 3x the trivial view (warm, from the cache).
        ok &= figure(
            "availability API p95 / trivial JSON view p95 (28 days, warm)",
            p95(samples["28 days warm"]) / p95(trivial),
            3,
            "x",
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
