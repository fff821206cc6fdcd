"""Staff roles as Django groups: owner, front desk, practitioner (issue 12, defect 5).

Before: every staff account could do everything: a practitioner opened the owner's dashboard,
added time off for colleagues and recorded sessions on others' appointments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import User
from scheduling.models import Appointment, BookingPolicy, TimeOff
from scheduling.plans.services import start_plan
from tests.factories import AppointmentFactory, PractitionerFactory, submit_intake


@pytest.fixture
def ben(anna):
    return PractitionerFactory(user__email="ben@example.com", user__first_name="Ben", display_name="Ben")


@pytest.fixture
def bens_appointment(alice, ben) -> Appointment:
    return AppointmentFactory(client=alice, practitioner=ben, start=timezone.now() + dt.timedelta(hours=1))


def _time_off_body() -> tuple[dt.datetime, dict[str, str]]:
    start = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(microsecond=0, second=0)
    end = start + dt.timedelta(hours=2)
    return start, {"start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M")}


def _get(client, user, url: str) -> int:
    client.force_login(user)
    return client.get(url).status_code


def test_the_dashboard_is_the_owners_only(client, owner, desk, anna):
    url = reverse("scheduling:staff_dashboard")
    assert _get(client, owner, url) == 200
    assert _get(client, desk, url) == 403
    assert _get(client, anna.user, url) == 403


def test_a_practitioner_adds_time_off_for_herself_only(client, anna, ben):
    client.force_login(anna.user)
    start, body = _time_off_body()
    refused = client.post(reverse("scheduling:staff_time_off"), {**body, "practitioner": ben.pk})
    assert refused.status_code == 200 and "practitioner" in refused.context["form"].errors
    assert not TimeOff.objects.exists()
    client.post(reverse("scheduling:staff_time_off"), {**body, "practitioner": anna.pk})
    assert TimeOff.objects.filter(practitioner=anna).count() == 1
    bens = TimeOff.objects.create(practitioner=ben, start=start, end=start + dt.timedelta(hours=1))
    assert client.post(reverse("scheduling:staff_time_off_delete", args=[bens.pk])).status_code == 403
    assert TimeOff.objects.filter(pk=bens.pk).exists()


def test_the_front_desk_adds_time_off_for_any_practitioner(client, desk, ben):
    client.force_login(desk)
    start, body = _time_off_body()
    client.post(reverse("scheduling:staff_time_off"), {**body, "practitioner": ben.pk})
    assert TimeOff.objects.filter(practitioner=ben).count() == 1


def test_a_practitioner_records_sessions_on_her_own_appointments_only(client, anna, bens_appointment):
    assert _get(client, anna.user, reverse("scheduling:record_session", args=[bens_appointment.pk])) == 403
    api = APIClient()
    api.force_authenticate(anna.user)
    body = {"needle_depth_mm": 1.0, "areas": ["cheeks"], "notes": "x"}
    response = api.post(f"/api/v1/appointments/{bens_appointment.pk}/complete", body, format="json")
    assert response.status_code == 403
    bens_appointment.refresh_from_db()
    assert bens_appointment.status == Appointment.Status.BOOKED


def test_the_front_desk_records_no_sessions(client, desk, bens_appointment):
    assert _get(client, desk, reverse("scheduling:record_session", args=[bens_appointment.pk])) == 403
    api = APIClient()
    api.force_authenticate(desk)
    body = {"needle_depth_mm": 1.0, "areas": ["cheeks"], "notes": "x"}
    assert api.post(f"/api/v1/appointments/{bens_appointment.pk}/complete", body, format="json").status_code == 403


def test_a_practitioner_sees_and_checks_in_her_own_appointments_only(client, anna, ben, bens_appointment):
    assert _get(client, anna.user, reverse("scheduling:staff_appointment", args=[bens_appointment.pk])) == 403
    assert client.post(reverse("scheduling:staff_check_in", args=[bens_appointment.pk])).status_code == 403
    api = APIClient()
    api.force_authenticate(anna.user)
    assert api.post(f"/api/v1/appointments/{bens_appointment.pk}/check-in").status_code == 404
    day = timezone.localdate(bens_appointment.start).isoformat()
    listed = api.get("/api/v1/schedule", {"date": day}).json()["appointments"]
    assert bens_appointment.pk not in [entry["id"] for entry in listed]
    assert bens_appointment.pk not in [a["id"] for a in api.get("/api/v1/appointments").json()]
    bens_appointment.refresh_from_db()
    assert bens_appointment.status == Appointment.Status.BOOKED


def test_the_front_desk_sees_every_schedule_and_checks_in(client, desk, bens_appointment):
    api = APIClient()
    api.force_authenticate(desk)
    day = timezone.localdate(bens_appointment.start).isoformat()
    listed = api.get("/api/v1/schedule", {"date": day}).json()["appointments"]
    assert bens_appointment.pk in [entry["id"] for entry in listed]
    assert _get(client, desk, reverse("scheduling:staff_appointment", args=[bens_appointment.pk])) == 200


def test_client_records_and_clearances_belong_to_the_front_desk(client, desk, anna, alice):
    submit_intake(alice, {"pregnancy"})
    assert _get(client, desk, reverse("clients:staff_clients")) == 200
    assert _get(client, anna.user, reverse("clients:staff_clients")) == 403
    assert _get(client, anna.user, reverse("clients:staff_client", args=[alice.pk])) == 403
    api = APIClient()
    api.force_authenticate(anna.user)
    assert (
        api.post(
            f"/api/v1/clients/{alice.pk}/clearance", {"note": "GP", "expires_on": "2030-01-01"}, format="json"
        ).status_code
        == 403
    )
    api.force_authenticate(desk)
    assert (
        api.post(
            f"/api/v1/clients/{alice.pk}/clearance", {"note": "GP", "expires_on": "2030-01-01"}, format="json"
        ).status_code
        == 201
    )


def test_booking_for_clients_is_the_front_desks(client, desk, anna, alice):
    assert _get(client, desk, reverse("scheduling:staff_book")) == 200
    assert _get(client, anna.user, reverse("scheduling:staff_book")) == 403
    api = APIClient()
    api.force_authenticate(anna.user)
    start = (timezone.now() + dt.timedelta(days=8)).isoformat()
    body = {"service": "microneedling-face", "start": start, "client": alice.pk}
    assert api.post("/api/v1/appointments", body, format="json").status_code == 403
    assert not Appointment.objects.exists()


def test_changing_a_clients_booking_on_the_api_is_the_front_desks(alice, anna, desk):
    """The staff pages asked for book_for_clients; the API let any staff cancel or move a booking,
    or book a plan's whole course."""
    appointment = AppointmentFactory(client=alice, practitioner=anna, start=timezone.now() + dt.timedelta(days=9))
    plan = start_plan(client=alice, concern="deep_acne_scars", area="cheeks", created_by=alice)
    api = APIClient()
    api.force_authenticate(anna.user)
    for action in ("cancel", "reschedule"):
        assert api.post(f"/api/v1/appointments/{appointment.pk}/{action}", {}, format="json").status_code == 403
    course = api.get(f"/api/v1/plans/{plan.pk}/course").json()["sessions"]
    body = {"sessions": [{k: s[k] for k in ("number", "start", "practitioner")} for s in course]}
    assert api.post(f"/api/v1/plans/{plan.pk}/course", body, format="json").status_code == 403
    assert list(Appointment.objects.values_list("pk", "status")) == [(appointment.pk, Appointment.Status.BOOKED)]
    api.force_authenticate(desk)
    assert api.post(f"/api/v1/appointments/{appointment.pk}/cancel").status_code == 200


def test_the_rules_are_the_owners_only_in_the_admin(client, owner, desk, anna):
    url = "/admin/treatments/depthrule/"
    assert _get(client, owner, url) == 200
    assert _get(client, desk, url) == 403
    assert _get(client, anna.user, url) == 403


def test_only_the_owner_adds_the_booking_policy_in_the_admin(client, owner, desk, anna):
    """While no policy row existed, the admin offered "add" to any staff account."""
    url = "/admin/scheduling/bookingpolicy/add/"
    assert not BookingPolicy.objects.exists()
    for user in (desk, anna.user):
        assert _get(client, user, url) == 403
        assert client.post(url, {"extra_bookings": "5"}).status_code == 403
    assert not BookingPolicy.objects.exists()
    assert _get(client, owner, url) == 200


def test_the_three_groups_exist_after_migrate_with_their_permissions(db):
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert {"Owner", "Front desk", "Practitioner"} <= set(groups)
    desk = {p.codename for p in groups["Front desk"].permissions.all()}
    practitioner = {p.codename for p in groups["Practitioner"].permissions.all()}
    assert {"view_all_schedules", "book_for_clients", "check_in", "view_client_record", "grant_clearance"} <= desk
    assert "record_session" not in desk and "view_dashboard" not in desk
    assert {"check_in", "record_session"} <= practitioner and "view_all_schedules" not in practitioner


def test_seed_demo_adds_the_front_desk_account(rules, client):
    from scheduling.demo import DEMO_PASSWORD, load_demo

    accounts = load_demo()
    assert ("desk@demo.spa", "front desk") in accounts
    desk = User.objects.get(email="desk@demo.spa")
    assert desk.is_staff and not desk.is_superuser
    assert desk.groups.filter(name="Front desk").exists()
    assert User.objects.get(email="anna@demo.spa").groups.filter(name="Practitioner").exists()
    logged_in = client.post(reverse("login"), {"username": "desk@demo.spa", "password": DEMO_PASSWORD})
    assert logged_in.status_code == 302
