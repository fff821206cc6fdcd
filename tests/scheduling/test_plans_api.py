"""Plans API: POST/GET plans, plans/{id}, plans/{id}/course, appointments/{id}/complete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from scheduling.models import Appointment, PlanSession, TreatmentPlan
from tests.factories import PractitionerFactory, make_client
from tests.scheduling.plans_support import deep_acne_plan, local, session
from treatments.models import DepthRule


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _login(api: APIClient, user) -> APIClient:
    api.force_authenticate(user)
    return api


def test_a_client_starts_a_plan(api, alice):
    response = _login(api, alice).post("/api/v1/plans", {"concern": "deep_acne_scars", "area": "cheeks"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["concern"] == "deep_acne_scars" and body["area"] == "cheeks" and body["status"] == "active"
    assert body["service"] == "microneedling-face"
    assert body["depth_mm"] == {"min": 1.5, "max": 2.0}
    assert body["interval_weeks"] == {"min": 4, "max": 6}
    assert (body["sessions_planned"], body["sessions_max"], body["suggested_depth_mm"]) == (4, 6, 1.5)
    assert [s["number"] for s in body["sessions"]] == [1, 2, 3, 4]
    first = body["sessions"][0]
    assert first == {
        "number": 1,
        "window_start": None,
        "window_end": None,
        "appointment": None,
        "start": None,
        "status": "to_book",
        "depth_used_mm": None,
        "completed_at": None,
        "rating": None,
    }
    assert TreatmentPlan.objects.get().client == alice


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"concern": "nope", "area": "cheeks"}, "concern"),
        ({"concern": "wrinkles", "area": "nope"}, "area"),
        ({"concern": "wrinkles", "area": "nose"}, "area"),
        ({"concern": "wrinkles"}, "area"),
    ],
)
def test_an_unknown_concern_or_area_or_no_rule_is_a_400(api, alice, payload, field):
    response = _login(api, alice).post("/api/v1/plans", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TreatmentPlan.objects.exists()


def test_anonymous_users_get_no_plans(api, alice):
    deep_acne_plan(alice)
    assert api.get("/api/v1/plans").status_code in (401, 403)
    assert api.post("/api/v1/plans", {"concern": "deep_acne_scars", "area": "cheeks"}).status_code in (401, 403)


def test_bob_cannot_see_alices_plan(api, alice, bob):
    plan = deep_acne_plan(alice)
    _login(api, bob)
    assert api.get(f"/api/v1/plans/{plan.pk}").status_code == 404
    assert api.get("/api/v1/plans").json() == []
    assert api.get(f"/api/v1/plans/{plan.pk}/course").status_code == 404
    _login(api, alice)
    assert api.get(f"/api/v1/plans/{plan.pk}").json()["id"] == plan.pk


def test_a_client_cannot_start_a_plan_for_someone_else(api, alice, bob):
    response = _login(api, bob).post(
        "/api/v1/plans", {"concern": "deep_acne_scars", "area": "cheeks", "client": alice.pk}, format="json"
    )
    assert response.status_code == 403


def test_staff_see_every_plan_and_filter_by_client(api, alice, bob, anna):
    deep_acne_plan(alice)
    deep_acne_plan(bob)
    _login(api, anna.user)
    assert len(api.get("/api/v1/plans").json()) == 2
    assert [p["client"] for p in api.get(f"/api/v1/plans?client={alice.pk}").json()] == [alice.pk]
    assert api.get("/api/v1/plans?client=x").status_code == 400


def test_plan_detail_shows_windows_booked_and_done_sessions(api, alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 10, 10, 10), anna, status=Appointment.Status.COMPLETED)
    PlanSession.objects.create(plan=plan, number=1, appointment=first, depth_used_mm=Decimal("1.50"), reaction="none")
    PlanSession.objects.filter(plan=plan).update(results_rating=4)
    second = session(plan, 2, local(2026, 11, 14, 10), anna)
    with time_machine.travel(local(2026, 11, 1, 9), tick=False):  # between the two sessions
        body = _login(api, alice).get(f"/api/v1/plans/{plan.pk}").json()
    one, two, three, four = body["sessions"]
    assert (one["status"], one["depth_used_mm"], one["rating"], one["appointment"]) == ("completed", 1.5, 4, first.pk)
    assert (two["status"], two["window_start"], two["window_end"], two["appointment"]) == (
        "booked",
        "2026-11-07",
        "2026-11-21",
        second.pk,
    )
    assert (three["status"], three["window_start"], three["window_end"]) == ("to_book", "2026-12-12", "2026-12-26")
    assert (four["status"], four["window_start"]) == ("waiting", None)
    assert body["suggested_depth_mm"] == 1.75


def _recorded(plan: TreatmentPlan, number: int, practitioner) -> None:
    appointment = session(plan, number, local(2026, 1, 1, 10) + dt.timedelta(weeks=5 * number), practitioner)
    PlanSession.objects.create(
        plan=plan, number=number, appointment=appointment, depth_used_mm=Decimal("1.50"), reaction="mild"
    )


def test_plan_list_and_detail_queries_stay_constant(api, alice, anna, django_assert_max_num_queries):
    _login(api, alice)
    plan = deep_acne_plan(alice)
    TreatmentPlan.objects.filter(pk=plan.pk).update(sessions_planned=50, sessions_max=50)
    _recorded(plan, 1, anna)
    with django_assert_max_num_queries(10) as list_one:
        assert len(api.get("/api/v1/plans").json()) == 1
    with django_assert_max_num_queries(10) as detail_one:
        api.get(f"/api/v1/plans/{plan.pk}")

    # One plan with 50 recorded sessions, and 50 plans.
    for number in range(2, 51):
        _recorded(plan, number, anna)
    clone = TreatmentPlan.objects.get(pk=plan.pk)
    for _ in range(49):
        clone.pk = None
        clone.status = TreatmentPlan.Status.COMPLETED
        clone.save()
    with django_assert_max_num_queries(len(list_one)):
        assert len(api.get("/api/v1/plans").json()) == 50
    with django_assert_max_num_queries(len(detail_one)):
        assert len(api.get(f"/api/v1/plans/{plan.pk}").json()["sessions"]) == 50


# --- appointments/{id}/complete --------------------------------------------------------------


def _plan_appointment(alice, practitioner, concern="deep_acne_scars"):
    plan = deep_acne_plan(alice) if concern == "deep_acne_scars" else None
    if plan is None:
        from scheduling.plans.services import start_plan

        plan = start_plan(client=alice, concern=concern, area="cheeks", created_by=alice)
    # She has been checked in (recording needs it) and the session has started.
    return session(plan, 1, timezone.now() - dt.timedelta(hours=2), practitioner, status=Appointment.Status.CHECKED_IN)


def test_staff_complete_an_appointment_by_recording_its_session(api, alice, anna):
    appointment = _plan_appointment(alice, anna)
    response = _login(api, anna.user).post(
        f"/api/v1/appointments/{appointment.pk}/complete",
        {"needle_depth_mm": 1.5, "areas": ["cheeks"], "notes": "Fine.", "products": ["colostrum_gel"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["needle_depth_mm"], body["areas"], body["products"]) == (
        1,
        1.5,
        ["cheeks"],
        ["colostrum_gel"],
    )
    assert body["appointment_status"] == "completed" and body["suggested_next_depth_mm"] == 1.75
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


@pytest.mark.parametrize(
    ("depth", "reason", "code"),
    [(1.25, "", "depth_out_of_range"), (2.5, "Deep scars", "depth_over_ceiling")],
)
def test_depth_errors_are_400_on_needle_depth(api, alice, anna, depth, reason, code):
    appointment = _plan_appointment(alice, anna)
    response = _login(api, anna.user).post(
        f"/api/v1/appointments/{appointment.pk}/complete",
        {"needle_depth_mm": depth, "areas": ["cheeks"], "notes": "", "depth_override_reason": reason},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code and "needle_depth_mm" in response.json()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_a_depth_above_the_practitioners_limit_is_a_400(api, alice, anna):
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben", max_depth_mm=Decimal("1.00"))
    appointment = _plan_appointment(alice, ben, concern="acne_scars")
    response = _login(api, ben.user).post(
        f"/api/v1/appointments/{appointment.pk}/complete",
        {"needle_depth_mm": 1.25, "areas": ["cheeks"], "notes": "", "depth_override_reason": "Asked for it"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "depth_over_limit" and "needle_depth_mm" in response.json()


def test_unknown_areas_are_a_400(api, alice, anna):
    appointment = _plan_appointment(alice, anna)
    response = _login(api, anna.user).post(
        f"/api/v1/appointments/{appointment.pk}/complete",
        {"needle_depth_mm": 1.5, "areas": ["elbow"], "notes": ""},
        format="json",
    )
    assert response.status_code == 400 and "areas" in response.json()


def test_clients_cannot_complete_appointments(api, alice, bob, anna):
    appointment = _plan_appointment(alice, anna)
    for user in (alice, bob):
        response = _login(api, user).post(
            f"/api/v1/appointments/{appointment.pk}/complete",
            {"needle_depth_mm": 1.5, "areas": ["cheeks"], "notes": ""},
            format="json",
        )
        assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_completing_a_needling_without_a_plan_records_it(api, alice, anna):
    from tests.factories import AppointmentFactory

    appointment = AppointmentFactory(
        client=alice,
        practitioner=anna,
        start=timezone.now() - dt.timedelta(hours=2),
        status=Appointment.Status.CHECKED_IN,
    )
    response = _login(api, anna.user).post(
        f"/api/v1/appointments/{appointment.pk}/complete",
        {"needle_depth_mm": 1.5, "areas": ["cheeks"], "notes": ""},
        format="json",
    )
    assert response.status_code == 200 and response.json()["plan"] is None


# --- the whole course ----------------------------------------------------------------------


def test_the_whole_course_is_proposed_and_booked_through_the_api(api, alice, anna):
    plan = deep_acne_plan(alice)
    _login(api, alice)
    proposal = api.get(f"/api/v1/plans/{plan.pk}/course")
    assert proposal.status_code == 200, proposal.content
    sessions = proposal.json()["sessions"]
    assert [s["number"] for s in sessions] == [1, 2, 3, 4]
    payload = {"sessions": [{k: s[k] for k in ("number", "start", "practitioner")} for s in sessions]}
    response = api.post(f"/api/v1/plans/{plan.pk}/course", payload, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["appointments"]) == 4
    assert [s["status"] for s in response.json()["plan"]["sessions"]] == ["booked"] * 4


def test_a_rule_edit_after_the_start_does_not_show_in_the_api(api, alice):
    plan = deep_acne_plan(alice)
    DepthRule.objects.filter(concern__slug="deep_acne_scars", area__slug="cheeks").update(min_depth_mm=Decimal("1.00"))
    assert _login(api, alice).get(f"/api/v1/plans/{plan.pk}").json()["depth_mm"] == {"min": 1.5, "max": 2.0}


def test_bob_cannot_book_alices_course(api, alice, bob, anna):
    plan = deep_acne_plan(alice)
    payload = {"sessions": [{"number": 1, "start": local(2027, 1, 4, 10).isoformat(), "practitioner": anna.pk}]}
    assert _login(api, bob).post(f"/api/v1/plans/{plan.pk}/course", payload, format="json").status_code == 404
    assert not Appointment.objects.exists()


def test_make_client_helper_is_screened(db, rules):
    assert make_client("carol@example.com").intakes.exists()
