"""The lists' query filters (django-filter FilterSets in ``scheduling/filters.py``,
``clients/filters.py``): local dates across a daylight-saving change, and a bad value as a form
error on a page or a 400 with the field's errors in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scheduling.models import Notification
from spa.lib.roles import FRONT_DESK, assign_role
from tests.factories import AppointmentFactory, UserFactory
from tests.scheduling.plans_support import deep_acne_plan, local
from tests.scheduling.test_dispatch import make_row

Status = Notification.Status


@pytest.fixture
def staff(db):
    user = UserFactory(email="desk@example.com", is_staff=True)
    assign_role(user, FRONT_DESK)
    return user


def _subjects(client, **params) -> set[str]:
    page = client.get(reverse("scheduling:staff_outbox"), params).content.decode()
    return {s for s in ("Late Saturday", "Sunday night", "Monday morning") if s in page}


def test_outbox_due_dates_are_local_days_of_23_hours_on_the_spring_change(client, staff, alice):
    # 2027-03-28: London moves its clocks forward at 01:00, so the local day is 23 hours long.
    make_row(alice, due_at=local(2027, 3, 27, 23, 30), key="a:1", subject="Late Saturday")
    make_row(alice, due_at=local(2027, 3, 28, 23, 30), key="a:2", subject="Sunday night")
    make_row(alice, due_at=local(2027, 3, 29, 0, 30), key="a:3", subject="Monday morning")
    client.force_login(staff)
    assert _subjects(client, day_from="2027-03-28", day_to="2027-03-28") == {"Sunday night"}
    assert _subjects(client, day_from="2027-03-28") == {"Sunday night", "Monday morning"}
    assert _subjects(client, day_to="2027-03-28") == {"Late Saturday", "Sunday night"}


def test_a_bad_outbox_date_is_a_form_error_and_the_other_filters_still_apply(client, staff, alice):
    make_row(alice, due_at=local(2027, 3, 27, 9), key="a:1", status=Status.FAILED, subject="Late Saturday")
    make_row(alice, due_at=local(2027, 3, 28, 9), key="a:2", status=Status.SENT, subject="Sunday night")
    client.force_login(staff)
    response = client.get(reverse("scheduling:staff_outbox"), {"day_from": "2027-02-30", "status": "failed"})
    assert response.status_code == 200
    assert response.context["form"].errors["day_from"] == ["Enter a valid date."]
    assert "Enter a valid date." in response.content.decode()
    assert _subjects(client, day_from="2027-02-30", status="failed") == {"Late Saturday"}


def test_the_client_search_filters_and_a_too_long_search_lists_everyone(client, staff, alice, bob):
    client.force_login(staff)
    url = reverse("clients:staff_clients")
    assert [u for u, _ in client.get(url, {"q": "alice archer"}).context["rows"]] == [alice]
    response = client.get(url, {"q": "x" * 101})
    assert "q" in response.context["form"].errors
    assert {u for u, _ in response.context["rows"]} == {alice, bob}


def test_the_appointments_date_is_a_local_day_and_a_bad_one_a_400_on_date(alice, anna):
    late = AppointmentFactory(client=alice, practitioner=anna, start=local(2027, 3, 28, 23, 0))
    AppointmentFactory(client=alice, practitioner=anna, start=local(2027, 3, 29, 9, 0))
    api = APIClient()
    api.force_authenticate(alice)
    assert [a["id"] for a in api.get("/api/v1/appointments", {"date": "2027-03-28"}).json()] == [late.pk]
    response = api.get("/api/v1/appointments", {"date": "2027-02-30"})
    assert response.status_code == 400 and list(response.json()) == ["date"]


def test_an_unknown_schedule_practitioner_is_a_400_on_practitioner(staff):
    api = APIClient()
    api.force_authenticate(staff)
    response = api.get("/api/v1/schedule", {"practitioner": 999999})
    assert response.status_code == 400
    assert response.json() == {"practitioner": ["Unknown practitioner."]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("service", "nope", "Unknown service."),
        ("practitioner", 999999, "Unknown practitioner."),
        ("practitioner", "abc", "A practitioner's id."),
        ("practitioner", 10**30, "Unknown practitioner."),
    ],
)
def test_an_unknown_service_or_practitioner_is_a_400_on_its_field(alice, anna, field, value, message):
    api = APIClient()
    api.force_authenticate(alice)
    booking = {"service": "microneedling-face", "start": local(2027, 3, 29, 10).isoformat(), field: value}
    response = api.post("/api/v1/appointments", booking, format="json")
    assert response.status_code == 400 and response.json()[field] == [message]
    query = {"service": "microneedling-face", "start": "2027-03-29", "end": "2027-03-29", field: value}
    response = api.get("/api/v1/availability", query)
    assert response.status_code == 400 and response.json()[field] == [message]


def test_an_inactive_practitioner_cannot_be_asked_for(alice, anna):
    anna.active = False
    anna.save()
    api = APIClient()
    api.force_authenticate(alice)
    query = {"service": "microneedling-face", "start": "2027-03-29", "end": "2027-03-29", "practitioner": anna.pk}
    assert api.get("/api/v1/availability", query).json() == {"practitioner": ["Unknown practitioner."]}


@pytest.mark.parametrize("value", ["bob", "abc"])
def test_a_clients_own_client_filter_on_plans_is_ignored(alice, bob, value):
    plan = deep_acne_plan(alice)
    deep_acne_plan(bob)
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get("/api/v1/plans", {"client": bob.pk if value == "bob" else value})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [plan.pk]
