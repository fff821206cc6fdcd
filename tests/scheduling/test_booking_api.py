"""The booking API: availability, appointments (book, list, detail), cancel, reschedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from scheduling.booking.services import book_appointment
from scheduling.models import Appointment
from tests.factories import AppointmentFactory, PractitionerFactory, make_client, submit_intake
from tests.scheduling.booking_support import at, make_plan, monday
from treatments.models import Service


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """Throttle history lives in the cache: start each test without another test's requests."""
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


def availability(api: APIClient, **params: object):
    return api.get("/api/v1/availability", params)


# --- availability --------------------------------------------------------------------------


def test_availability_is_public_and_lists_slots_with_offsets_and_practitioners(api, anna, face):
    day = monday()
    response = availability(api, service="microneedling-face", start=day.isoformat(), end=day.isoformat())
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/London"
    first = body["slots"][0]
    assert dt.datetime.fromisoformat(first["start"]) == at(day, 9)
    assert dt.datetime.fromisoformat(first["end"]) == at(day, 10)
    assert first["start"][-6:] in ("+00:00", "+01:00") or first["start"].endswith("Z")
    assert first["practitioner"] == {"id": anna.pk, "name": "Anna"}
    assert len(body["slots"]) == 26


def test_availability_includes_both_end_dates(api, anna, face):
    day = monday()
    body = availability(
        api, service="microneedling-face", start=day.isoformat(), end=(day + dt.timedelta(days=1)).isoformat()
    ).json()
    assert {dt.datetime.fromisoformat(s["start"]).date() for s in body["slots"]} == {day, day + dt.timedelta(days=1)}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service": "microneedling-face", "start": "2030-01-01", "end": "2030-03-05"}, "end"),  # 64 days
        ({"service": "microneedling-face", "start": "2030-01-10", "end": "2030-01-01"}, "end"),
        ({"service": "microneedling-face", "start": "2030-13-01", "end": "2030-01-01"}, "start"),
        ({"service": "no-such-thing", "start": "2030-01-01", "end": "2030-01-02"}, "service"),
        ({"start": "2030-01-01", "end": "2030-01-02"}, "service"),
        (
            {"service": "microneedling-face", "start": "2030-01-01", "end": "2030-01-02", "practitioner": 99999},
            "practitioner",
        ),
    ],
)
def test_availability_refuses_bad_queries_with_field_errors(api, anna, face, params, field):
    response = availability(api, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_a_62_day_range_is_allowed(api, anna, face):
    response = availability(api, service="microneedling-face", start="2030-01-01", end="2030-03-03")
    assert response.status_code == 200


def test_availability_for_a_plan_shows_only_its_window_and_deep_enough_practitioners(api, alice, anna):
    PractitionerFactory(display_name="Ben", max_depth_mm=Decimal("1.00"))
    plan = make_plan(alice, depth_min="1.50")
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    api.force_authenticate(alice)
    start, end = monday(), monday() + dt.timedelta(days=61)
    body = availability(api, plan=plan.pk, start=start.isoformat(), end=end.isoformat()).json()
    days = {dt.datetime.fromisoformat(s["start"]).date() for s in body["slots"]}
    assert min(days) >= monday() + dt.timedelta(weeks=4)
    assert max(days) <= monday() + dt.timedelta(weeks=6)
    assert {s["practitioner"]["name"] for s in body["slots"]} == {"Anna"}


def test_bob_cannot_ask_about_alices_plan(api, alice, bob, anna):
    plan = make_plan(alice)
    params = {"plan": plan.pk, "start": monday().isoformat(), "end": monday().isoformat()}
    assert availability(api, **params).status_code == 404
    api.force_authenticate(bob)
    assert availability(api, **params).status_code == 404


# --- booking -------------------------------------------------------------------------------


def test_booking_answers_201_with_the_appointment(api, alice, anna, face):
    api.force_authenticate(alice)
    response = api.post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "start", "end", "status", "practitioner", "plan", "session_number", "service", "room"}
    assert body["status"] == "booked"
    assert body["practitioner"] == {"id": anna.pk, "name": "Anna"}
    assert dt.datetime.fromisoformat(body["start"]) == at(monday(), 10)
    assert Appointment.objects.get(pk=body["id"]).client == alice


def test_booking_a_taken_slot_is_409_and_a_wrong_time_400(api, alice, bob, anna, face):
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    api.force_authenticate(bob)
    anna_at_ten = {"service": "microneedling-face", "start": at(monday(), 10).isoformat(), "practitioner": anna.pk}
    taken = api.post("/api/v1/appointments", anna_at_ten, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    wrong = api.post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 13).isoformat()}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "not_offered"


def test_booking_outside_the_plan_window_is_400_naming_the_window(api, alice, anna):
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    api.force_authenticate(alice)
    response = api.post(
        "/api/v1/appointments", {"plan": plan.pk, "start": at(monday(2), 10).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "outside_window"
    assert f"{monday() + dt.timedelta(weeks=4):%-d %B %Y}" in response.json()["detail"]


def test_booking_with_a_screening_problem_is_403(api, rules, anna, face):
    client = make_client(screened=False)
    submit_intake(client, {"keloid"})
    api.force_authenticate(client)
    response = api.post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "screening"


def test_booking_needs_a_login(api, anna, face):
    response = api.post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}, format="json"
    )
    assert response.status_code in (401, 403)
    assert not Appointment.objects.exists()


def test_booking_bad_input_is_400_with_field_errors(api, alice, anna, face):
    api.force_authenticate(alice)
    response = api.post("/api/v1/appointments", {"service": "nope", "start": "yesterday"}, format="json")
    assert response.status_code == 400
    assert {"service", "start"} <= set(response.json())


def test_a_client_cannot_book_for_someone_else_or_with_bobs_plan(api, alice, bob, anna, face):
    api.force_authenticate(alice)
    start = at(monday(), 10).isoformat()
    response = api.post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": start, "client": bob.pk}, format="json"
    )
    assert response.status_code == 400
    plan = make_plan(bob)
    assert api.post("/api/v1/appointments", {"plan": plan.pk, "start": start}, format="json").status_code == 404


def test_staff_book_for_a_client(api, alice, anna, face, desk):
    api.force_authenticate(desk)
    response = api.post(
        "/api/v1/appointments",
        {"service": "microneedling-face", "start": at(monday(), 10).isoformat(), "client": alice.pk},
        format="json",
    )
    assert response.status_code == 201
    assert Appointment.objects.get().client == alice


# --- list and detail -----------------------------------------------------------------------


def test_a_client_lists_only_her_own_and_staff_all_filtered_by_date(api, alice, bob, anna, face):
    mine = AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    AppointmentFactory(client=bob, practitioner=anna, service=face, start=at(monday(), 15))
    AppointmentFactory(client=bob, practitioner=anna, service=face, start=at(monday(2), 15))
    api.force_authenticate(alice)
    assert [a["id"] for a in api.get("/api/v1/appointments").json()] == [mine.pk]
    api.force_authenticate(anna.user)
    assert len(api.get("/api/v1/appointments").json()) == 3
    assert len(api.get("/api/v1/appointments", {"date": monday().isoformat()}).json()) == 2
    assert api.get("/api/v1/appointments", {"date": "not-a-date"}).status_code == 400


def test_the_list_runs_a_constant_number_of_queries(api, alice, anna, face, django_assert_max_num_queries):
    AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    api.force_authenticate(alice)
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/appointments").json()) == 1
    for n in range(49):
        start = at(monday(2) + dt.timedelta(days=n), 10)
        AppointmentFactory(client=alice, practitioner=anna, service=face, start=start)
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/appointments").json()) == 50


def test_bob_cannot_see_cancel_or_reschedule_alices_appointment(api, alice, bob, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    api.force_authenticate(bob)
    assert api.get(f"/api/v1/appointments/{appointment.pk}").status_code == 404
    assert api.post(f"/api/v1/appointments/{appointment.pk}/cancel").status_code == 404
    moved = {"start": at(monday(), 15).isoformat()}
    assert api.post(f"/api/v1/appointments/{appointment.pk}/reschedule", moved, format="json").status_code == 404
    appointment.refresh_from_db()
    assert (appointment.status, appointment.start) == ("booked", at(monday(), 10))
    api.force_authenticate(alice)
    assert api.get(f"/api/v1/appointments/{appointment.pk}").json()["id"] == appointment.pk
    api.force_authenticate(anna.user)
    assert api.get(f"/api/v1/appointments/{appointment.pk}").status_code == 200


# --- cancel and reschedule -----------------------------------------------------------------


def test_cancel_and_reschedule_through_the_api(api, alice, bob, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    other = book_appointment(client=bob, service=face, start=at(monday(), 15), practitioner=anna, booked_by=bob)
    api.force_authenticate(alice)
    url = f"/api/v1/appointments/{appointment.pk}"
    taken = api.post(f"{url}/reschedule", {"start": other.start.isoformat(), "practitioner": anna.pk}, format="json")
    assert taken.status_code == 409
    moved = api.post(f"{url}/reschedule", {"start": at(monday(), 11, 30).isoformat()}, format="json")
    assert moved.status_code == 200
    assert dt.datetime.fromisoformat(moved.json()["start"]) == at(monday(), 11, 30)
    cancelled = api.post(f"{url}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"{url}/cancel")
    assert again.status_code == 400


def test_a_late_cancel_is_403_for_the_client(api, alice, anna, desk, face, settings):
    settings.SPA_CANCELLATION_CUTOFF_HOURS = 24 * 30
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    api.force_authenticate(alice)
    response = api.post(f"/api/v1/appointments/{appointment.pk}/cancel")
    assert response.status_code == 403
    assert "call the spa" in response.json()["detail"]
    api.force_authenticate(desk)  # the front desk changes bookings for clients (tests/test_roles.py)
    response = api.post(f"/api/v1/appointments/{appointment.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["late_cancellation"] is True


def test_booking_is_throttled(api, alice, anna, face, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"booking": "2/min"})
    api.force_authenticate(alice)
    body = {"service": "microneedling-face", "start": at(monday(), 13).isoformat()}  # not offered: 400
    assert [api.post("/api/v1/appointments", body, format="json").status_code for _ in range(3)] == [400, 400, 429]
    # Reading is not throttled.
    assert api.get("/api/v1/appointments").status_code == 200


@pytest.mark.parametrize("people", [1, 8])
def test_availability_runs_a_constant_number_of_queries(api, anna, face, people, django_assert_max_num_queries):
    for n in range(people - 1):
        PractitionerFactory(display_name=f"P{n}")
    params = {"service": "microneedling-face", "start": monday().isoformat()}
    params["end"] = (monday() + dt.timedelta(days=27)).isoformat()
    with django_assert_max_num_queries(8):
        response = availability(api, **params)
    assert len({s["practitioner"]["id"] for s in response.json()["slots"]}) == people
