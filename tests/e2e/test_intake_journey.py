"""The issue's walk-through in a real browser (Chromium): sign up → intake (pregnant: yes) →
told a doctor's clearance is needed → staff record it → clear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import ConsentText
from spa.lib.roles import FRONT_DESK, assign_role
from tests.e2e.conftest import log_in, shot, sign_up
from tests.factories import PASSWORD, UserFactory
from treatments.defaults import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_client_needs_a_clearance_and_staff_record_it(page):
    load_default_rules()
    ConsentText.objects.create(version=1, body="I understand the effects and risks of skin needling.")
    desk = UserFactory(email="desk@example.com", first_name="Dana", last_name="Desk", is_staff=True)
    assign_role(desk, FRONT_DESK)  # client records and clearances are the front desk's

    sign_up(
        page,
        email="maya@example.com",
        password="a-long-new-password-9",
        first_name="Maya",
        last_name="Moss",
        phone="+44 7700 900777",
        born="1992-03-04",
    )
    expect(page.locator("h1")).to_have_text("Medical questionnaire and consent")

    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.check("#id_pregnancy_0")
    page.fill("input[name=signed_name]", "maya moss")
    page.check("input[name=accepted]")
    with page.expect_navigation():
        page.click("button:has-text('Save my answers')")
    expect(page.locator(".screening-card")).to_contain_text("doctor's clearance")
    shot(page, "intake-doctor-clearance")

    page.context.clear_cookies()
    log_in(page, "desk@example.com", PASSWORD)
    page.goto("/staff/clients/?q=maya")
    with page.expect_navigation():
        page.click("a:has-text('Maya Moss')")
    expect(page.locator("body")).to_contain_text("Pregnancy (Doctor's clearance)")
    page.fill("textarea[name=note]", "GP letter of 3 May: fine to treat")
    # A pregnancy clearance needs its end: the expected end of the pregnancy.
    page.fill("input[name=expires_on]", (timezone.localdate() + dt.timedelta(days=270)).isoformat())
    with page.expect_navigation():
        page.click("input[value='Record clearance']")
    expect(page.locator("body")).to_contain_text("The doctor's clearance is recorded.")
    shot(page, "staff-client-record")

    page.context.clear_cookies()
    log_in(page, "maya@example.com", "a-long-new-password-9")
    page.goto("/me/intake/")
    expect(page.locator(".screening-card")).to_contain_text("You're all set: you can book online.")
