"""Query discipline: every page and API list runs the same number of queries with 1 row as with 50.

Each list is fetched twice, over a world of 1 and of 50 rows of everything (appointments with
their own practitioner and room, plans, messages, clients); the counts must be equal.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scheduling.models import Notification
from scheduling.plans.services import start_plan
from spa.lib.time import local_date
from tests.factories import AppointmentFactory, make_client
from treatments.models import DepthRule

TOMORROW_10 = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)

CLIENT_LISTS = [
    "scheduling:my_appointments",
    "scheduling:messages",
    "api-appointments",
    "api-me-notifications",
    "api-plans",
]
STAFF_LISTS = [
    "scheduling:staff_schedule",
    "scheduling:staff_week",
    "scheduling:staff_outbox",
    "scheduling:staff_dashboard",
    "clients:staff_clients",
    "api-schedule",
    "api-appointments",
    "api-plans",
]
PUBLIC_LISTS = ["treatments:list", "api-services", "api-concerns", "api-areas"]


def grow_world(alice, n: int) -> None:
    # One active plan per concern and area: alice takes the free pairs, other clients the rest.
    taken = set(alice.plans.values_list("concern__slug", "area__slug"))
    pairs = [p for p in DepthRule.objects.values_list("concern__slug", "area__slug") if p not in taken]
    for i in range(n):
        # One client is in one place at a time (the client exclusion constraint): an hour apart.
        AppointmentFactory(client=alice, start=TOMORROW_10 + dt.timedelta(hours=alice.appointments.count()))
        other = make_client(f"client{alice.plans.count()}-{i}@example.com")
        concern, area = pairs[i] if i < len(pairs) else ("fine_lines", "cheeks")
        owner = alice if i < len(pairs) else other
        start_plan(client=owner, concern=concern, area=area, created_by=owner)
        Notification.objects.create(
            client=alice,
            kind="reminder",
            due_at=timezone.now(),
            dedupe_key=f"count:{Notification.objects.count()}",
            subject="Reminder",
            body_text="See you",
        )


def count_queries(user, name: str) -> int:
    url = reverse(name)
    if name in ("scheduling:staff_schedule", "scheduling:staff_week", "api-schedule"):
        url += f"?date={local_date(TOMORROW_10)}"
    if name.startswith("api-"):
        api = APIClient()
        if user:
            api.force_authenticate(user)
        get = api.get
    else:
        browser = Client()
        if user:
            browser.force_login(user)
        get = browser.get
    with CaptureQueriesContext(connection) as queries:
        response = get(url)
    assert response.status_code == 200, (name, response.status_code)
    return len(queries)


@pytest.fixture
def counts(alice, anna, owner):
    """Query counts of every list for the three personas, at 1 row and then at 50 rows."""
    staff = owner  # the owner's role reaches every staff list, the dashboard included (spa.lib.roles)

    def measure() -> dict[str, int]:
        result = {f"client {n}": count_queries(alice, n) for n in CLIENT_LISTS}
        result |= {f"staff {n}": count_queries(staff, n) for n in STAFF_LISTS}
        result |= {f"public {n}": count_queries(None, n) for n in PUBLIC_LISTS}
        return result

    grow_world(alice, 1)
    small = measure()
    grow_world(alice, 49)
    return small, measure()


def test_every_list_runs_the_same_queries_with_fifty_rows_as_with_one(counts):
    small, large = counts
    grew = {name: (small[name], large[name]) for name in small if large[name] > small[name]}
    assert not grew, f"queries grew with the data (1 row → 50 rows): {grew}"
