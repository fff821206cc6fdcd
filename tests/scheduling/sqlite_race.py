"""Run by ``test_booking_race_sqlite.py`` in a fresh process: many clients POST one slot at once
through the API, on a SQLite *file* database configured by the real settings (``DATABASE_URL``).

A file database is what production on SQLite uses; the test suite's in-memory one cannot show
the write lock. Prints one JSON list: ``[status, code]`` per request.
"""

from __future__ import annotations

import json
import sys
import threading

import django


def main(threads: int) -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from rest_framework.test import APIClient

    from tests.factories import PractitionerFactory, RoomFactory, make_client
    from tests.scheduling.booking_support import at, monday
    from treatments.defaults import load_default_rules

    call_command("migrate", verbosity=0)
    load_default_rules()
    RoomFactory(name="Room 1")
    PractitionerFactory(user__email="anna@example.com", display_name="Anna")
    clients = [make_client(f"racer{n}@example.com") for n in range(threads)]
    body = {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}
    barrier = threading.Barrier(threads)
    results: list[list[object]] = []
    lock = threading.Lock()

    def attempt(user) -> None:
        api = APIClient(raise_request_exception=False)
        api.force_authenticate(user)
        barrier.wait()
        try:
            response = api.post("/api/v1/appointments", body, format="json")
            code = response.json().get("code", "") if response.status_code != 500 else "server error"
            outcome = [response.status_code, code]
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]))
