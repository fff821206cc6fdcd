"""The owner edits a depth rule in the admin: a bound outside 0.25–2.0 mm is refused."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, shot
from treatments.defaults import load_default_rules
from treatments.models import DepthRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_edits_a_depth_rule_and_an_out_of_bounds_value_is_refused(page, django_user_model):
    load_default_rules()
    django_user_model.objects.create_superuser(email="owner@example.com", password="owner-pass-2026")
    rule = DepthRule.objects.get(concern__slug="wrinkles", area__slug="cheeks")

    log_in(page, "owner@example.com", "owner-pass-2026")
    page.goto(f"/admin/treatments/depthrule/{rule.pk}/change/")
    page.fill("input[name=max_depth_mm]", "1.75")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.locator(".errorlist").first).to_contain_text("scarring")
    # The breadcrumb names the rule as saved, not as the refused form left it; one admin title.
    expect(page.locator(".breadcrumbs")).not_to_contain_text("1.75")
    assert page.title().endswith(f"| Change depth rule | {settings.SPA_NAME} administration")
    assert "1.75" not in page.title()
    shot(page, "admin-depth-rule-refused")
    rule.refresh_from_db()
    assert str(rule.max_depth_mm) == "1.50"

    page.fill("input[name=max_depth_mm]", "1.25")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    rule.refresh_from_db()
    assert str(rule.max_depth_mm) == "1.25"
    page.goto(f"/admin/treatments/depthrule/{rule.pk}/history/")
    expect(page.locator("#change-history")).to_contain_text("owner@example.com")


def test_a_visitor_finds_her_treatment(page, db):
    load_default_rules()
    page.goto("/find-my-treatment/")
    page.select_option("select[name=concern]", "deep_acne_scars")
    page.select_option("select[name=area]", "cheeks")
    page.click("form button[type=submit]")
    text = page.locator("#rec-title").locator("xpath=..").inner_text()
    assert "1.5 to 2.0 mm" in text
    assert "4 to begin with, up to 6" in text
    assert "colostrum" in text.lower()
    shot(page, "find-my-treatment")
