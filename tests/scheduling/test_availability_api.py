"""The day summary (``availability/days``) and the compact availability (``compact=1``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from scheduling.booking.services import book_appointment
from scheduling.models import Closure, Room
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.scheduling.booking_support import at, make_plan, monday
from treatments.models import Service


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


def days(api: APIClient, **params: object):
    return api.get("/api/v1/availability/days", params)


def full(api: APIClient, **params: object) -> dict:
    response = api.get("/api/v1/availability", params)
    assert response.status_code == 200
    return response.json()


def week(day: dt.date) -> dict[str, str]:
    return {"service": "microneedling-face", "start": day.isoformat(), "end": (day + dt.timedelta(days=6)).isoformat()}


def test_each_date_gets_its_number_of_free_times_and_the_first(api, anna, face):
    day = monday()
    Closure.objects.create(start_date=day + dt.timedelta(days=1), end_date=day + dt.timedelta(days=1), reason="x")
    AppointmentFactory(practitioner=anna, room=Room.objects.get(name="Room 1"), service=face, start=at(day, 9))
    response = days(api, **week(day))
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/London"
    by_date = {d["date"]: d for d in body["days"]}
    assert list(by_date) == [(day + dt.timedelta(days=n)).isoformat() for n in range(7)]
    # Monday: 26 times less the 09:00 taken (and the 15-minute steps it blocks up to 10:15).
    assert by_date[day.isoformat()]["count"] == 26 - 5
    assert dt.datetime.fromisoformat(by_date[day.isoformat()]["first"]) == at(day, 10, 15)
    closed = by_date[(day + dt.timedelta(days=1)).isoformat()]
    assert (closed["count"], closed["first"]) == (0, None)
    sunday = by_date[(day + dt.timedelta(days=6)).isoformat()]
    assert (sunday["count"], sunday["first"]) == (0, None)
    wednesday = by_date[(day + dt.timedelta(days=2)).isoformat()]
    assert dt.datetime.fromisoformat(wednesday["first"]) == at(day + dt.timedelta(days=2), 9)


def test_the_summary_counts_distinct_times_and_agrees_with_the_full_answer(api, anna, face):
    PractitionerFactory(display_name="Ben", user__email="ben@example.com")
    day = monday()
    slots = full(api, **week(day))["slots"]
    expected: dict[str, set[str]] = {}
    for slot in slots:
        expected.setdefault(slot["start"][:10], set()).add(slot["start"])
    summary = {d["date"]: (d["count"], d["first"]) for d in days(api, **week(day)).json()["days"] if d["count"]}
    assert summary == {date: (len(starts), min(starts)) for date, starts in expected.items()}
    assert len(slots) == 2 * sum(count for count, _ in summary.values())  # two people, the same times


def test_the_summary_for_a_practitioner_counts_only_hers(api, anna, face):
    ben = PractitionerFactory(display_name="Ben", user__email="ben@example.com")
    day = monday()
    AppointmentFactory(practitioner=ben, room=Room.objects.get(name="Room 2"), service=face, start=at(day, 9))
    mine = days(api, **week(day), practitioner=ben.pk).json()["days"][0]
    assert mine["count"] == 26 - 5
    assert days(api, **week(day)).json()["days"][0]["count"] == 26


def test_the_summary_for_a_plan_covers_only_its_window(api, alice, anna):
    PractitionerFactory(display_name="Ben", max_depth_mm=Decimal("1.00"))
    plan = make_plan(alice, depth_min="1.50")
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    api.force_authenticate(alice)
    start = monday()
    body = days(api, plan=plan.pk, start=start.isoformat(), end=(start + dt.timedelta(days=61)).isoformat()).json()
    open_days = [dt.date.fromisoformat(d["date"]) for d in body["days"] if d["count"]]
    assert min(open_days) >= monday() + dt.timedelta(weeks=4)
    assert max(open_days) <= monday() + dt.timedelta(weeks=6)


def test_bob_cannot_ask_for_the_summary_of_alices_plan(api, alice, bob, anna):
    plan = make_plan(alice)
    params = {"plan": plan.pk, "start": monday().isoformat(), "end": monday().isoformat()}
    assert days(api, **params).status_code == 404
    api.force_authenticate(bob)
    assert days(api, **params).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service": "microneedling-face", "start": "2030-01-01", "end": "2030-03-05"}, "end"),
        ({"service": "microneedling-face", "start": "2030-01-10", "end": "2030-01-01"}, "end"),
        ({"service": "microneedling-face", "start": "2030-13-01", "end": "2030-01-01"}, "start"),
        ({"service": "no-such-thing", "start": "2030-01-01", "end": "2030-01-02"}, "service"),
        ({"start": "2030-01-01", "end": "2030-01-02"}, "service"),
    ],
)
def test_the_summary_refuses_bad_queries_with_field_errors(api, anna, face, params, field):
    response = days(api, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_compact_lists_practitioners_once_and_local_clock_times_by_date(api, anna, face):
    ben = PractitionerFactory(display_name="Ben", user__email="ben@example.com", position=5)
    day = monday()
    AppointmentFactory(practitioner=ben, room=Room.objects.get(name="Room 2"), service=face, start=at(day, 9))
    body = full(api, **week(day), compact=1)
    assert body["timezone"] == "Europe/London"
    assert body["duration_minutes"] == 60
    assert body["practitioners"] == [{"id": anna.pk, "name": "Anna"}, {"id": ben.pk, "name": "Ben"}]
    monday_times = body["dates"][day.isoformat()]
    assert monday_times[str(anna.pk)][:3] == ["09:00", "09:15", "09:30"]
    assert monday_times[str(ben.pk)][0] == "10:15"
    assert (day + dt.timedelta(days=6)).isoformat() not in body["dates"]  # Sunday: nothing


def test_compact_says_the_same_as_the_full_answer(api, anna, face):
    PractitionerFactory(display_name="Ben", user__email="ben@example.com")
    day = monday()
    expected: dict[str, dict[str, list[str]]] = {}
    for slot in full(api, **week(day))["slots"]:
        start = dt.datetime.fromisoformat(slot["start"])
        by_person = expected.setdefault(start.date().isoformat(), {})
        by_person.setdefault(str(slot["practitioner"]["id"]), []).append(f"{start:%H:%M}")
    assert full(api, **week(day), compact="1")["dates"] == expected
    assert full(api, **week(day), compact="0").keys() == {"timezone", "slots"}


def test_compact_is_cached_apart_from_the_full_answer(api, anna, face):
    day = monday()
    assert "slots" in full(api, **week(day))
    assert "dates" in full(api, **week(day), compact=1)
    assert "slots" in full(api, **week(day))


def test_the_summary_and_compact_answers_run_a_constant_number_of_queries(
    api, anna, face, django_assert_max_num_queries
):
    for n in range(7):
        PractitionerFactory(display_name=f"P{n}")
    params = {"service": "microneedling-face", "start": monday().isoformat()}
    params["end"] = (monday() + dt.timedelta(days=27)).isoformat()
    with django_assert_max_num_queries(7):
        assert days(api, **params).status_code == 200
    with django_assert_max_num_queries(7):
        assert len(full(api, **params, compact=1)["practitioners"]) == 8


def test_the_schema_describes_the_summary_and_the_compact_answer(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/availability/days" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/availability"]["get"]["parameters"]}
    assert "compact" in parameters
    assert "AvailabilityDays" in schema["components"]["schemas"]


def test_a_signed_in_clients_summary_and_compact_answer_leave_out_the_days_her_skin_rests(alice, anna, face):
    """The spacing filter (scheduling.booking.spacing) applies to every availability answer she gets."""
    book_appointment(client=alice, service=face, start=at(monday(2), 10), booked_by=alice)
    params = {"service": "microneedling-face", "start": monday().isoformat()}
    params["end"] = (monday() + dt.timedelta(days=55)).isoformat()
    public = APIClient()
    api = APIClient()
    api.force_authenticate(alice)
    open_public = {d["date"] for d in days(public, **params).json()["days"] if d["count"]}
    open_hers = {d["date"] for d in days(api, **params).json()["days"] if d["count"]}
    resting = {d for d in open_public if abs((dt.date.fromisoformat(d) - monday(2)).days) < 28}
    assert resting and open_hers == open_public - resting
    assert set(full(api, **params, compact=1)["dates"]) == open_hers
    assert set(full(public, **params, compact=1)["dates"]) == open_public
