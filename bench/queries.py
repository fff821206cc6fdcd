"""Query discipline (SPEC.md: every page and API list runs a constant number of queries).

Counts the SQL queries of every list page and API list for a client, staff and the public,
over a world of 1 row of everything and again of 50 rows, and prints each pair. The same
measurement is a test (``tests/test_query_counts.py``); this prints the numbers.

Run: ``.venv/bin/python bench/queries.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, setup_django, throwaway_database


def main() -> int:
    setup_django("queries")
    from django.contrib.auth import get_user_model

    from tests.factories import PractitionerFactory, RoomFactory, make_client
    from tests.test_query_counts import CLIENT_LISTS, PUBLIC_LISTS, STAFF_LISTS, count_queries, grow_world
    from treatments.defaults import load_default_rules

    with throwaway_database() as database:
        print(f"database: {database}")
        load_default_rules()
        alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
        RoomFactory(name="Room 1")
        PractitionerFactory(user__email="anna@example.com", display_name="Anna")
        # The owner's role reaches every staff list, the dashboard included (as the test's).
        staff = get_user_model().objects.create_superuser(email="owner@example.com", password="x-owner-bench-1")

        def measure() -> dict[str, int]:
            counts = {f"client {n}": count_queries(alice, n) for n in CLIENT_LISTS}
            counts |= {f"staff {n}": count_queries(staff, n) for n in STAFF_LISTS}
            counts |= {f"public {n}": count_queries(None, n) for n in PUBLIC_LISTS}
            return counts

        grow_world(alice, 1)
        small = measure()
        grow_world(alice, 49)
        large = measure()
        ok = True
        for name in small:
            print(f"  {name:<40} {small[name]:>3} queries with 1 row, {large[name]:>3} with 50")
        grew = sum(1 for name in small if large[name] > small[name])
        ok &= figure("lists whose queries grow from 1 to 50 rows", grew, 0, fmt="d")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
