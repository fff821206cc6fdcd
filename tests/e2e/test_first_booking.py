"""Journeys people finish (issue 15), on a phone at 390×844, with axe on every page.

- A new client picks a time, creates her account, answers the questionnaire, signs the consent
  and lands back on the confirm page for that time: booked in under 15 actions.
- A pregnant client is shown why she may not book needling, how to send her doctor's letter,
  and books the free consultation instead.
- A course proposal never gives a session to a practitioner below the plan's maximum depth, and
  the plan page warns about a session already booked with one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from clients.models import ConsentText
from scheduling.models import Appointment
from scheduling.plans.services import start_plan
from tests.e2e.conftest import log_in, shot
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    PractitionerFactory,
    RoomFactory,
    make_client,
    sign_consent,
    submit_intake,
)
from treatments.defaults import load_default_rules
from treatments.models import Service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spa(db):
    load_default_rules()
    ConsentText.objects.create(version=1, body="I consent to skin needling and will follow the aftercare.")
    RoomFactory(name="Room 1")
    anna = PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")
    anna.services.add(Service.objects.get(slug="consultation"))
    return anna


def test_a_new_client_goes_from_a_chosen_time_to_booked_in_under_15_actions(phone, spa):
    phone.goto("/book/microneedling-face/")
    chosen = phone.locator("a.slot").first.inner_text()
    phone.click("a.slot >> nth=0")  # 1: the time she wants

    # Not logged in: the login page keeps her time, and so does "Create an account".
    expect(phone.locator("h1")).to_have_text("Log in")
    phone.click("text=Create an account")  # 2
    expect(phone.locator("h1")).to_have_text("Create your account")
    expect(phone.locator("input[name=phone]")).to_have_attribute("inputmode", "tel")
    phone.fill("input[name=email]", "nora@example.com")  # 3
    phone.fill("input[name=password]", "a-long-pass-2026")  # 4
    phone.fill("input[name=first_name]", "Zoë")  # 5
    phone.fill("input[name=last_name]", "Ng")  # 6
    phone.fill("input[name=phone]", "07700 900456")  # 7: a UK number as people write it
    phone.fill("input[name=date_of_birth]", "1991-04-02")  # 8
    shot(phone, "phone-sign-up")
    phone.click("main form [type=submit]")  # 9

    # The questionnaire says her time is waiting; "None of these apply" answers No to all.
    expect(phone.locator("h1")).to_have_text("Medical questionnaire and consent")
    expect(phone.locator("main")).to_contain_text("Your chosen time is waiting")
    phone.click("button:has-text('None of these apply to me')")  # 10
    expect(phone.locator("input[type=radio][value=no]:checked")).to_have_count(
        phone.locator("input[type=radio][value=no]").count()
    )
    phone.fill("input[name=signed_name]", "zoe ng")  # 11: accents and case need not match
    phone.check("input[name=accepted]")  # 12
    shot(phone, "phone-intake")
    phone.click("button:has-text('Save my answers')")  # 13

    # Back on the confirm page of the time she chose, with price and place.
    expect(phone.locator("h1")).to_have_text("Confirm your booking")
    expect(phone.locator("main")).to_contain_text(chosen.strip())
    expect(phone.locator("main")).to_contain_text(settings.SPA_ADDRESS)
    shot(phone, "phone-confirm")
    phone.click("button:has-text('Book it')")  # 14
    expect(phone.locator(".alert-success")).to_contain_text("Booked")

    assert phone.actions == 14 < 15
    appointment = Appointment.objects.get(client__email="nora@example.com")
    assert appointment.client.client_profile.phone == "+447700900456"
    assert f"{appointment.start.astimezone(dt.UTC):%Y}"  # booked, in the database
    # Every page was checked by axe (login, sign-up, questionnaire, confirm, detail, picker).
    assert len(phone.audited_urls) >= 5


def test_a_pregnant_client_sees_the_clearance_path_and_books_the_consultation(phone, spa):
    maya = make_client("maya@example.com", screened=False, first_name="Maya")
    submit_intake(maya, {"pregnancy"})
    sign_consent(maya)
    log_in(phone, "maya@example.com", PASSWORD)

    phone.goto("/book/microneedling-face/")
    gate = phone.locator(".screening-gate")
    expect(gate).to_contain_text("doctor's clearance")
    expect(gate).to_contain_text(settings.SPA_EMAIL)
    expect(gate).to_contain_text(settings.SPA_ADDRESS)
    expect(gate).to_contain_text(settings.SPA_PHONE)
    expect(phone.locator("a.slot")).to_have_count(0)  # no calendar to bounce off
    shot(phone, "phone-clearance-gate")

    phone.click(".screening-gate a:has-text('Book a consultation')")
    expect(phone.locator("h1")).to_have_text("Consultation")
    # Another day, swapped in by htmx: no CSP violation (an inline style) and still axe-clean.
    second_day = phone.locator(".day-picker a.nav-link:has-text(' free')").nth(1)
    second_day.click()
    expect(phone.locator(".day-picker a.active")).to_have_attribute("aria-current", "date")
    phone.wait_for_timeout(300)
    phone.audit()
    phone.click("a.slot >> nth=0")
    expect(phone.locator("h1")).to_have_text("Confirm your booking")
    phone.click("button:has-text('Book it')")
    expect(phone.locator(".alert-success")).to_contain_text("Booked")
    booked = Appointment.objects.get(client=maya)
    assert booked.service.slug == "consultation"


def test_a_course_proposal_never_assigns_a_practitioner_below_the_plans_maximum(phone, spa):
    ben = PractitionerFactory(
        user__email="ben@example.com", user__first_name="Ben", display_name="Ben", max_depth_mm=Decimal("1.00")
    )
    alice = make_client("alice@example.com", first_name="Alice", last_name="Archer")
    plan = start_plan(client=alice, concern="acne_scars", area="cheeks", created_by=alice)  # 1.0–1.5 mm
    # Session 1 already sits with Ben (booked before the rule): the plan page must warn about it.
    AppointmentFactory(
        client=alice,
        practitioner=ben,
        service=plan.service,
        plan=plan,
        session_number=1,
        start=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
    )
    log_in(phone, "alice@example.com", PASSWORD)

    phone.goto(f"/me/plans/{plan.pk}/")
    expect(phone.locator("main")).to_contain_text("Course price")
    expect(phone.locator("main")).to_contain_text("£")
    phone.click("text=Book the whole course")
    expect(phone.locator("h1")).to_have_text("Book the whole course")
    expect(phone.locator("main tbody tr")).to_have_count(plan.sessions_planned - 1)
    assert set(phone.locator("main tbody td:nth-child(3)").all_inner_texts()) == {"Anna"}
    shot(phone, "phone-course")
