"""Find my treatment: slugs in links, areas offered for the chosen concern, names in people's words."""

from __future__ import annotations

from django.urls import reverse

from spa.lib.labels import label
from treatments.models import DepthRule


def test_areas_are_filtered_by_the_concern(client, rules):
    page = client.get(reverse("treatments:find"), {"concern": "stretch_marks"})
    areas = [value for value, _ in page.context["form"].fields["area"].choices if value]
    assert [str(a) for a in areas] == ["body"]  # stretch marks: body only (DOMAIN.md)


def test_the_overview_names_concerns_and_areas_in_words(client, rules):
    page = client.get(reverse("treatments:find")).content.decode()
    overview = page.split("Which areas go with which concern")[1].split("</ul>")[0]
    assert "Fine lines: " in overview and "Around the eyes" in overview
    assert "fine_lines" not in overview and "eye_area" not in overview


def test_back_from_the_plan_page_keeps_the_choice_by_slug(client, alice):
    client.force_login(alice)
    page = client.get(reverse("scheduling:plan_start"), {"concern": "wrinkles", "area": "cheeks"}).content.decode()
    assert "?concern=wrinkles&amp;area=cheeks" in page
    rule = DepthRule.objects.get(concern__slug="wrinkles", area__slug="cheeks")
    back = client.get(reverse("treatments:find"), {"concern": "wrinkles", "area": "cheeks"})
    assert back.context["result"].rule == rule  # both fields valid: no "Select a valid choice"


def test_course_price_is_shown_on_the_recommendation(client, rules):
    page = client.get(reverse("treatments:find"), {"concern": "wrinkles", "area": "cheeks"}).content.decode()
    assert "£540 for 3 sessions" in page and "up to £720" in page


def test_every_code_reads_as_words():
    assert label("doctor_clearance", "screening") == "Doctor's clearance needed"
    assert label("blocks", "severity") == "Stops treatment"
    assert label("no_show", "appointment") == "Did not attend"
    assert label("something_new") == "Something new"
