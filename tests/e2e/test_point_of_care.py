"""The point of care in the browser: a pregnancy declared in the pre-visit check stops check-in at
the desk with the reason shown; a strong reaction holds the plan and alerts the owner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Alert, Appointment, TreatmentPlan
from scheduling.plans.services import start_plan
from spa.lib.time import local_date, local_datetime
from tests.e2e.conftest import log_in, shot
from tests.factories import PASSWORD, AppointmentFactory, PractitionerFactory, RoomFactory, make_client
from treatments.defaults import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _people() -> tuple[object, object]:
    load_default_rules()
    RoomFactory(name="Room 1")
    anna = PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    anna.user.set_password(PASSWORD)
    anna.user.save()
    alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
    return anna, alice


def _later_today() -> dt.datetime:
    """A start still ahead today (check-in is on the day; the pre-visit check is before the start)."""
    now = timezone.now()
    end_of_day = local_datetime(local_date(now), dt.time(23, 59))
    return min(now + dt.timedelta(hours=1), now + (end_of_day - now) / 2)


def test_a_pregnancy_declared_before_the_visit_stops_check_in_at_the_desk(page):
    anna, alice = _people()
    appointment = AppointmentFactory(client=alice, practitioner=anna, start=_later_today())

    log_in(page, "alice@example.com", PASSWORD)
    page.goto(f"/appointments/{appointment.pk}/pre-visit-check/")
    page.check("input[name=pregnancy][value=pregnant]")
    for name in ("infection", "sunburn"):
        page.check(f"input[name={name}][value=no]")
    page.check("input[name=medication][value=no]")
    page.check("input[name=procedures][value=no]")
    page.click("button:has-text('Send my answers')")
    expect(page.locator("[role=status]")).to_contain_text("doctor's clearance")

    page.context.clear_cookies()
    log_in(page, "anna@example.com", PASSWORD)
    page.goto(f"/staff/appointments/{appointment.pk}/")
    expect(page.locator(".day-of-answers")).to_contain_text("pregnant")
    page.click(".check-in-form button:has-text('Check in')")
    refusal = page.locator(".checkin-refusal")
    expect(refusal).to_contain_text("Check-in refused")
    expect(refusal).to_contain_text("Pregnancy")
    expect(refusal).to_contain_text("doctor's clearance")
    shot(page, "check-in-refused")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_strong_reaction_holds_the_plan_and_the_owner_sees_the_alert(page):
    anna, alice = _people()
    owner = get_user_model().objects.create_superuser(email="owner@example.com", password=PASSWORD)
    plan = start_plan(client=alice, concern="acne_scars", area="cheeks", created_by=alice)
    appointment = AppointmentFactory(
        client=alice,
        practitioner=anna,
        service=plan.service,
        plan=plan,
        session_number=1,
        start=timezone.now() - dt.timedelta(minutes=50),
        status=Appointment.Status.CHECKED_IN,
    )

    log_in(page, "anna@example.com", PASSWORD)
    page.goto(f"/staff/appointments/{appointment.pk}/record/")
    page.fill("input[name=depth_used_mm]", "1.00")
    page.check("input[name=reaction][value=strong]")
    page.fill("textarea[name=notes]", "Marked swelling and pinpoint bleeding; stopped early.")
    page.click("button:has-text('Record and complete')")
    expect(page.locator(".plan-on-hold")).to_contain_text("On hold")
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ON_HOLD

    page.context.clear_cookies()
    log_in(page, owner.email, PASSWORD)
    page.goto("/staff/dashboard/")
    alert = page.locator(".alerts .care-alert").first
    expect(alert).to_contain_text("Strong reaction")
    expect(alert).to_contain_text("alice@example.com")
    shot(page, "dashboard-alert")
    assert Alert.objects.filter(kind="strong_reaction", client=alice).exists()
