"""The two journeys of issue 7, as a person makes them in the browser.

A new client: find my treatment → start a plan → book session 1 → intake and consent →
confirmation (with the calendar file) → my plan shows the next window → cancel.
A practitioner's day: schedule → check-in → record the session with a depth → the client's
plan shows it done.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import ConsentText
from scheduling.models import Appointment, PlanSession, TreatmentPlan
from scheduling.plans.services import start_plan
from tests.e2e.conftest import log_in, shot, sign_up
from tests.factories import PASSWORD, AppointmentFactory, PractitionerFactory, RoomFactory, make_client
from treatments.defaults import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spa(db):
    load_default_rules()
    ConsentText.objects.create(version=1, body="I consent to skin needling and will follow the aftercare.")
    RoomFactory(name="Room 1")
    anna = PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    anna.user.set_password(PASSWORD)
    anna.user.save()
    return anna


def test_a_new_client_plans_books_screens_confirms_and_cancels(page, spa):
    # Sign up.
    sign_up(
        page,
        email="nora@example.com",
        password="a-long-pass-2026",
        first_name="Nora",
        last_name="Newman",
        phone="+447700900456",
        born="1991-04-02",
    )

    # Find my treatment, then start the plan it recommends.
    page.goto("/find-my-treatment/")
    page.select_option("select[name=concern]", "deep_acne_scars")
    page.select_option("select[name=area]", "cheeks")
    page.click("button:has-text('Show me')")
    page.click("button:has-text('Start this plan')")
    page.click("button:has-text('Start this plan')")
    expect(page.locator("main")).to_contain_text("Session 1")

    # Book session 1: the last day shown with free times (well past the 24-hour cut-off).
    page.click("a.btn:has-text('Book session 1')")
    day = page.locator(".day-picker a:has-text(' free')").last.get_attribute("href")
    page.goto(page.url.split("?")[0] + day)
    page.goto(page.locator("a.slot").first.get_attribute("href"))

    # Not screened yet: the intake and consent come first, then back to the chosen time.
    expect(page.locator("h1")).to_contain_text("Medical questionnaire and consent")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.fill("input[name=signed_name]", "Nora Newman")
    page.check("input[name=accepted]")
    shot(page, "intake-and-consent")
    with page.expect_navigation():
        page.click("button:has-text('Save my answers')")
    expect(page.locator("button:has-text('Book it')")).to_be_visible()
    with page.expect_navigation():
        page.click("button:has-text('Book it')")

    # The confirmation, with the calendar file.
    expect(page.locator(".alert-success")).to_contain_text("Booked")
    expect(page.locator("a:has-text('Add to calendar')")).to_be_visible()
    shot(page, "booking-confirmation")
    appointment = Appointment.objects.get(client__email="nora@example.com")
    assert appointment.session_number == 1
    ics = page.request.get(page.locator("a:has-text('Add to calendar')").get_attribute("href"))
    assert ics.status == 200
    assert b"BEGIN:VEVENT" in ics.body()

    # My plan names session 2's window: 4 to 6 weeks after session 1.
    plan = TreatmentPlan.objects.get(client__email="nora@example.com")
    page.goto(f"/me/plans/{plan.pk}/")
    first_day = timezone.localtime(appointment.start).date()
    opens = first_day + dt.timedelta(weeks=4)
    expect(page.locator("main")).to_contain_text(f"Book session 2 for a day from {opens:%A %-d %B}")
    shot(page, "my-plan-next-window")

    # Cancel (well before the 24-hour cut-off).
    page.goto(f"/me/appointments/{appointment.pk}/")
    page.click("a:has-text('Cancel')")
    with page.expect_navigation():
        page.click("button:has-text('Yes, cancel it')")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert not appointment.late_cancellation


def test_a_practitioners_day_check_in_and_record_a_session(page, spa):
    anna = spa
    alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
    plan = start_plan(client=alice, concern="deep_acne_scars", area="cheeks", created_by=alice)
    # A session earlier today (the practitioner records after the treatment); today's local date.
    now = timezone.localtime()
    start = max(now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1), now.replace(hour=0, minute=0))
    appointment = AppointmentFactory(
        client=alice, practitioner=anna, service=plan.service, plan=plan, session_number=1, start=start
    )

    log_in(page, "anna@example.com", PASSWORD)
    page.goto("/staff/schedule/")
    expect(page.locator("main")).to_contain_text("Alice")
    shot(page, "staff-schedule")
    page.goto(f"/staff/appointments/{appointment.pk}/")
    # The day-of questions at the desk, all "no", then check-in.
    for name in ("pregnancy", "infection", "medication", "sunburn", "procedures"):
        page.check(f"input[name=day_of-{name}][value=no]")
    with page.expect_navigation():
        page.click("button:has-text('Check in')")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN

    page.click("a:has-text('Record the session')")
    depth = page.locator("input[name$=depth_used_mm], input[name$=depth]").first
    expect(depth).to_have_value("1.50")  # the suggested start: the bottom of 1.5–2.0 mm
    depth.fill("2.25")
    page.click("button:has-text('Record and complete')")
    expect(page.locator("main")).to_contain_text("2.0")  # never deeper than 2.0 mm
    assert not PlanSession.objects.exists()
    depth.fill("1.5")
    with page.expect_navigation():
        page.click("button:has-text('Record and complete')")
    session = PlanSession.objects.get(plan=plan, number=1)
    assert session.depth_used_mm == Decimal("1.50")

    # The owner's view of the week (the dashboard is the owner's: spa.lib.roles).
    page.context.clear_cookies()
    get_user_model().objects.create_superuser(email="owner@example.com", password=PASSWORD)
    log_in(page, "owner@example.com", PASSWORD)
    page.goto("/staff/dashboard/")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    shot(page, "owner-dashboard")

    # The client sees it done on her plan.
    page.context.clear_cookies()
    log_in(page, "alice@example.com", PASSWORD)
    page.goto(f"/me/plans/{plan.pk}/")
    expect(page.locator("main")).to_contain_text("1.50 mm")
    shot(page, "my-plan-after-session")
