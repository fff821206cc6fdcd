"""API lists page in headers (``spa/lib/pagination.py``): the body keeps its SPEC.md shape (a bare
array stays a bare array), ``Link`` leads to the other pages, ``X-Total-Count`` counts them all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from scheduling.models import Appointment, Room
from treatments.models import Service

#: A fixed week far from today: the list does not depend on the clock.
FIRST_START = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def make_appointments(client, practitioner, n: int) -> None:
    """``n`` appointments of one client, two hours apart (no overlap of client, practitioner or room)."""
    face = Service.objects.get(slug="microneedling-face")
    room = Room.objects.first()
    rows = []
    for i in range(n):
        start = FIRST_START + dt.timedelta(hours=2 * i)
        end = start + dt.timedelta(minutes=face.duration_minutes)
        rows.append(
            Appointment(
                client=client,
                practitioner=practitioner,
                room=room,
                service=face,
                start=start,
                end=end,
                blocked_until=end + dt.timedelta(minutes=face.buffer_minutes),
            )
        )
    Appointment.objects.bulk_create(rows)


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.get("Link", ""))}


@pytest.fixture
def staff_api(owner) -> APIClient:
    api = APIClient()
    api.force_authenticate(owner)
    return api


def test_staff_get_the_first_hundred_of_250_appointments_and_a_next_link(staff_api, alice, anna):
    make_appointments(alice, anna, 250)
    response = staff_api.get("/api/v1/appointments")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 100
    assert response["X-Total-Count"] == "250"
    assert set(links(response)) == {"first", "next", "last"}
    assert "page=2" in links(response)["next"] and "page=3" in links(response)["last"]


def test_following_the_next_links_gives_every_appointment_exactly_once_in_constant_queries(staff_api, alice, anna):
    make_appointments(alice, anna, 250)
    expected = list(Appointment.objects.order_by("start", "pk").values_list("pk", flat=True))
    seen, counts, url = [], [], "/api/v1/appointments"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.get(url)
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()]
        counts.append(len(queries))
        url = links(response).get("next")
    assert seen == expected  # all 250, in order, none twice
    assert [len(seen)] == [250] and len(counts) == 3
    assert len(set(counts)) == 1, f"queries per page differ: {counts}"


def test_page_size_picks_the_rows_per_page_up_to_the_maximum(staff_api, alice, anna):
    make_appointments(alice, anna, 250)
    response = staff_api.get("/api/v1/appointments", {"page_size": 40, "page": 2})
    assert len(response.json()) == 40
    assert set(links(response)) == {"first", "prev", "next", "last"}
    assert "page_size=40" in links(response)["next"]
    assert "page=" not in links(response)["prev"]  # page 1 is the list's own address
    assert len(staff_api.get("/api/v1/appointments", {"page_size": 10_000}).json()) == 250  # 500 at most


def test_a_short_list_has_no_links_but_its_count(staff_api, alice, anna):
    make_appointments(alice, anna, 3)
    response = staff_api.get("/api/v1/appointments")
    assert len(response.json()) == 3
    assert "Link" not in response
    assert response["X-Total-Count"] == "3"


@pytest.mark.parametrize("page", ["0", "abc", "-1", "1.5"])
def test_a_page_that_is_not_a_positive_number_is_a_400_on_page(staff_api, page):
    response = staff_api.get("/api/v1/appointments", {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()


def test_a_page_past_the_last_is_an_empty_list_that_links_back(staff_api, alice, anna):
    make_appointments(alice, anna, 3)
    response = staff_api.get("/api/v1/appointments", {"page": 7})
    assert response.status_code == 200 and response.json() == []
    assert response["X-Total-Count"] == "3"
    assert "page=" not in links(response)["prev"]


def test_a_client_pages_through_her_own_appointments_only(alice, bob, anna):
    make_appointments(alice, anna, 3)
    api = APIClient()
    api.force_authenticate(bob)
    response = api.get("/api/v1/appointments")
    assert response.json() == [] and response["X-Total-Count"] == "0"


def test_the_schema_documents_the_paging_parameters_and_headers(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/appointments"]["get"]
    assert {"page", "page_size", "date"} <= {p["name"] for p in operation["parameters"]}
    ok = operation["responses"]["200"]
    assert set(ok["headers"]) == {"Link", "X-Total-Count"}
    body = ok["content"]["application/json"]["schema"]
    assert schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["type"] == "array"


def test_the_schedule_keeps_its_object_and_pages_the_days_appointments(staff_api, alice, anna):
    make_appointments(alice, anna, 5)  # 09:00 to 17:00 UTC on one London day
    day = FIRST_START.date().isoformat()
    response = staff_api.get("/api/v1/schedule", {"date": day, "page_size": 2})
    body = response.json()
    assert set(body) == {"date", "appointments"} and body["date"] == day
    assert len(body["appointments"]) == 2 and response["X-Total-Count"] == "5"
    seen, url = [], "/api/v1/schedule"
    params = {"date": day, "page_size": 2}
    while url:
        response = staff_api.get(url, params)
        seen += [row["id"] for row in response.json()["appointments"]]
        url, params = links(response).get("next"), None
    assert seen == list(Appointment.objects.order_by("start").values_list("pk", flat=True))


@pytest.mark.parametrize("path", ["/api/v1/plans", "/api/v1/me/notifications", "/api/v1/services"])
def test_other_lists_stay_bare_arrays_with_a_count(alice, path):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get(path, {"page_size": 1})
    assert isinstance(response.json(), list) and len(response.json()) <= 1
    assert "X-Total-Count" in response
