"""The front desk books a client who phones (desktop, 1366×900), axe-checked on every page:
found by her phone number as she says it, no errors before anything is asked, her plan already
chosen, free times grouped by practitioner as large buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Appointment
from scheduling.plans.services import start_plan
from spa.lib.roles import FRONT_DESK, assign_role
from spa.lib.time import local_datetime
from tests.e2e.conftest import log_in, shot
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    PractitionerFactory,
    RoomFactory,
    UserFactory,
    make_client,
    submit_intake,
)
from treatments.defaults import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_desk_finds_her_by_phone_and_books_her_plan_session(page):
    load_default_rules()
    RoomFactory(name="Room 1")
    PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    PractitionerFactory(user__email="cleo@example.com", user__first_name="Cleo", display_name="Cleo")
    assign_role(UserFactory(email="desk@example.com", first_name="Dana", is_staff=True), FRONT_DESK)
    alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
    alice.client_profile.phone = "+447700900123"
    alice.client_profile.save()
    plan = start_plan(client=alice, concern="fine_lines", area="cheeks", created_by=alice)

    log_in(page, "desk@example.com", PASSWORD)
    page.goto("/staff/book/")
    page.fill("input[name=q]", "07700 900 123")  # as she says it on the phone
    page.click("button:has-text('Find')")
    page.click("a:has-text('Alice Archer')")
    expect(page.locator("main")).not_to_contain_text("This field is required")
    expect(page.locator(".invalid-feedback")).to_have_count(0)

    day = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())  # next Monday
    page.select_option("select[name=service]", label="Microneedling: face")
    page.fill("input[name=day]", day.isoformat())
    page.click("button:has-text('Show free times')")
    expect(page.locator(".slot-group h3")).to_have_text(["Anna", "Cleo"])
    expect(page.locator("select[name=plan]")).to_have_value(str(plan.pk))
    button = page.locator(".slot-group .slot-button").first.bounding_box()
    assert button["height"] >= 44 and button["width"] >= 80  # a large target, not a tiny radio
    shot(page, "front-desk-book")
    page.click(".slot-group >> nth=1 >> .slot-button >> nth=0")
    page.click("main button:has-text('Book')")
    expect(page.locator(".alert-success")).to_contain_text("Booked")
    booked = Appointment.objects.get(client=alice)
    assert booked.plan == plan and booked.practitioner.display_name == "Cleo"


def test_staff_pages_have_no_serious_accessibility_violations(page):
    """The practitioner's and the owner's working pages, each checked by axe as it loads."""
    load_default_rules()
    RoomFactory(name="Room 1")
    anna = PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    anna.user.is_superuser = True  # the owner's pages too (dashboard, outbox, closures)
    anna.user.save()
    alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
    start_plan(client=alice, concern="fine_lines", area="cheeks", created_by=alice)
    flagged = make_client("maya@example.com", screened=False, first_name="Maya", last_name="Moss")
    submit_intake(flagged, {"diabetes", "retinoids"})
    today = timezone.localdate()
    for hour, client in ((10, alice), (14, flagged)):
        AppointmentFactory(client=client, practitioner=anna, start=local_datetime(today, dt.time(hour)))

    log_in(page, "anna@example.com", PASSWORD)
    for url in (
        "/staff/schedule/",
        "/staff/schedule/week/",
        f"/staff/hours/?practitioner={anna.pk}",
        "/staff/time-off/",
        "/staff/closures/",
        "/staff/dashboard/",
        "/staff/outbox/",
        "/staff/clients/",
        f"/staff/clients/{alice.pk}/",
        f"/staff/clients/{alice.pk}/plans/",
    ):
        page.goto(url)
        page.audit()
    expect(page.locator("h1")).to_be_visible()
