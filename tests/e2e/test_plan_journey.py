"""A client starts a plan in the browser, books session 1, sees and books session 2 inside its
window; the practitioner records session 1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Appointment, PlanSession, TreatmentPlan
from tests.e2e.conftest import log_in, shot
from tests.factories import PASSWORD, PractitionerFactory, RoomFactory, make_client
from treatments.defaults import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _book_first_offered_time(page) -> None:
    day = page.locator(".day-picker a:has-text(' free')").first.get_attribute("href")
    page.goto(page.url.split("?")[0] + day)
    page.goto(page.locator("a.slot").first.get_attribute("href"))
    with page.expect_navigation():
        page.click("button:has-text('Book it')")


def test_a_client_follows_her_plan_and_the_practitioner_records_a_session(page):
    load_default_rules()
    RoomFactory(name="Room 1")
    anna = PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    anna.user.set_password(PASSWORD)
    anna.user.save()
    make_client("alice@example.com", first_name="Alice", last_name="Archer")

    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/find-my-treatment/")
    page.select_option("select[name=concern]", "deep_acne_scars")
    page.select_option("select[name=area]", "cheeks")
    page.click("button:has-text('Show me')")
    page.click("button:has-text('Start this plan')")  # to the plan page's confirmation
    page.click("button:has-text('Start this plan')")
    expect(page.locator("h1")).to_contain_text("Deep acne scarring")
    plan = TreatmentPlan.objects.get()

    page.click("a.btn:has-text('Book session 1')")
    _book_first_offered_time(page)
    first = Appointment.objects.get(plan=plan, session_number=1)

    page.goto(f"/me/plans/{plan.pk}/")
    window_start = timezone.localtime(first.start).date() + dt.timedelta(weeks=4)
    expect(page.locator(".plan-next")).to_contain_text(f"{window_start:%A %-d %B}")
    shot(page, "my-plan")
    page.click("a.btn:has-text('Book session 2')")
    expect(page.locator(".alert-info")).to_contain_text("Booking session 2")
    _book_first_offered_time(page)
    second = Appointment.objects.get(plan=plan, session_number=2)
    assert window_start <= timezone.localtime(second.start).date() <= window_start + dt.timedelta(weeks=2)

    # Session 1 has happened (moved into the past here), and Anna records it.
    length = first.blocked_until - first.start
    first.start = timezone.now() - dt.timedelta(hours=2)
    first.end, first.blocked_until = first.start + dt.timedelta(hours=1), first.start + length
    first.save()
    page.context.clear_cookies()
    log_in(page, "anna@example.com", PASSWORD)
    # At the desk: the day-of questions (all no), then check-in; only then the record.
    page.goto(f"/staff/appointments/{first.pk}/")
    for name in ("pregnancy", "infection", "medication", "sunburn", "procedures"):
        page.check(f"input[name=day_of-{name}][value=no]")
    page.click(".check-in-form button:has-text('Check in')")
    expect(page.locator(".alert-success").first).to_contain_text("checked in")
    page.goto(f"/staff/appointments/{first.pk}/record/")
    expect(page.locator("input[name=depth_used_mm]")).to_have_value("1.50")
    page.fill("input[name=depth_used_mm]", "2.25")
    page.click("button:has-text('Record and complete')")
    expect(page.locator(".invalid-feedback, .errorlist").first).to_contain_text("2.0 mm")
    page.fill("input[name=depth_used_mm]", "1.50")
    page.click("button:has-text('Record and complete')")
    expect(page.locator(".plan-timeline")).to_contain_text("1.50 mm")
    shot(page, "staff-client-plans")
    assert PlanSession.objects.get(plan=plan).depth_used_mm == 1.5
