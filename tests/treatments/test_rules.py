from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from treatments.defaults import load_default_rules
from treatments.models import Concern, Contraindication, DepthRule, TreatmentArea
from treatments.selectors import recommend


def test_loading_the_default_rules_twice_changes_nothing(db):
    first = load_default_rules()
    second = load_default_rules()
    assert first["depth_rules"] == 41
    assert sum(second.values()) == 0


def test_an_admin_edit_survives_reloading_the_defaults(rules):
    rule = DepthRule.objects.get(concern__slug="fine_lines", area__slug="cheeks")
    rule.max_depth_mm = Decimal("0.75")
    rule.save()
    load_default_rules()
    rule.refresh_from_db()
    assert rule.max_depth_mm == Decimal("0.75")


def test_recommendation_for_deep_acne_scars_on_the_cheeks(rules):
    rec = recommend(concern="deep_acne_scars", area="cheeks").as_dict()
    assert rec["depth_mm"] == {"min": 1.5, "max": 2.0}
    assert rec["sessions"] == {"initial": 4, "max": 6}
    assert rec["interval_weeks"] == {"min": 4, "max": 6}
    assert any("colostrum" in step["body"] for step in rec["aftercare"])
    assert {p["slug"] for p in rec["products"]} >= {"colostrum_gel", "hyaluronic_serum"}


@pytest.mark.parametrize(
    ("low", "high", "field"),
    [("0.10", "0.50", "min_depth_mm"), ("1.00", "0.50", "max_depth_mm"), ("0.50", "2.50", "max_depth_mm")],
)
def test_a_depth_rule_outside_the_hard_bounds_is_refused_with_a_form_error(rules, low, high, field):
    rule = DepthRule(
        concern=Concern.objects.get(slug="surgical_scars"),
        area=TreatmentArea.objects.get(slug="nose"),
        min_depth_mm=Decimal(low),
        max_depth_mm=Decimal(high),
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert field in error.value.message_dict


def test_a_non_scarring_concern_cannot_go_past_one_and_a_half_millimetres(rules):
    rule = DepthRule.objects.get(concern__slug="wrinkles", area__slug="cheeks")
    rule.max_depth_mm = Decimal("1.75")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "scarring" in str(error.value)
    # The database refuses it too, whatever the write path.
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_rule_edits_are_kept_in_history_with_who(rules, owner):
    rule = DepthRule.objects.get(concern__slug="fine_lines", area__slug="cheeks")
    rule.max_depth_mm = Decimal("0.75")
    rule._history_user = owner
    rule.save()
    latest = rule.history.first()
    assert latest.history_user == owner
    assert latest.max_depth_mm == Decimal("0.75")


def test_the_api_names_the_valid_slugs_for_an_unknown_one(client, rules):
    response = client.get("/api/v1/recommendation", {"concern": "freckles", "area": "cheeks"})
    assert response.status_code == 400
    assert "fine_lines" in response.json()["concern"][0]
    response = client.get("/api/v1/recommendation", {"concern": "fine_lines", "area": "elbow"})
    assert response.status_code == 400
    assert "decollete" in response.json()["area"][0]


def test_a_pair_without_a_rule_is_refused_by_the_api(client, rules):
    response = client.get("/api/v1/recommendation", {"concern": "stretch_marks", "area": "cheeks"})
    assert response.status_code == 400
    assert "not treated" in response.json()["detail"]


@pytest.mark.parametrize("rule", list(range(41)))
def test_every_default_rule_gives_a_recommendation_within_the_bounds(rules, rule):
    depth_rule = DepthRule.objects.select_related("concern", "area").order_by("pk")[rule]
    rec = recommend(concern=depth_rule.concern.slug, area=depth_rule.area.slug)
    assert Decimal("0.25") <= rec.depth_min_mm <= rec.depth_max_mm <= Decimal("2.0")
    assert rec.depth_max_mm <= Decimal("1.5") or rec.concern.is_scarring
    assert 1 <= rec.sessions_initial <= rec.sessions_max
    assert rec.service is not None


@pytest.mark.parametrize(("high", "message"), [("2.50", "2"), ("1.80", "scarring")])
def test_the_admin_refuses_a_rule_out_of_bounds_with_a_clear_message(client, rules, owner, high, message):
    rule = DepthRule.objects.get(concern__slug="fine_lines", area__slug="cheeks")
    client.force_login(owner)
    response = client.post(
        f"/admin/treatments/depthrule/{rule.pk}/change/",
        {"concern": rule.concern_id, "area": rule.area_id, "min_depth_mm": "0.50", "max_depth_mm": high, "notes": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert message in str(errors["max_depth_mm"])
    rule.refresh_from_db()
    assert rule.max_depth_mm == Decimal("1.00")


# DOMAIN.md "Contraindications (intake questions)": slug → (severity, waiting days).
DOMAIN_CONTRAINDICATIONS = {
    "pregnancy": ("doctor_clearance", None),
    "breastfeeding": ("doctor_clearance", None),
    "isotretinoin": ("blocks", 180),
    "active_infection": ("blocks", None),
    "keloid": ("blocks", None),
    "sunburn": ("blocks", 14),
    "anticoagulants": ("doctor_clearance", None),
    "immunosuppressed": ("doctor_clearance", None),
    "diabetes": ("staff_review", None),
    "active_acne": ("staff_review", None),
    "skin_condition": ("staff_review", None),
    "injectables": ("staff_review", 14),
    "cold_sores": ("advice", None),
    "retinoids": ("advice", None),
    "metal_allergy": ("staff_review", None),
    "numbing_allergy": ("staff_review", None),
    "skin_cancer": ("doctor_clearance", None),
    "recent_resurfacing": ("blocks", 28),
    "fillers": ("staff_review", 180),
    "autoimmune": ("doctor_clearance", None),
}


def test_the_intake_asks_every_contraindication_of_the_domain_with_its_severity(rules):
    asked = {c.slug: (c.severity, c.waiting_days) for c in Contraindication.objects.filter(active=True)}
    assert asked == DOMAIN_CONTRAINDICATIONS


def test_a_recommendation_never_goes_past_the_areas_ceiling(rules):
    """DOMAIN.md's table gives wrinkles on the forehead 0.5–1.0 mm, but the forehead's ceiling is
    0.5 mm (1.5 for scars) and no reason lifts a record above it: the plan is promised 0.5."""
    wrinkles = recommend(concern="wrinkles", area="forehead")
    assert (wrinkles.depth_min_mm, wrinkles.depth_max_mm) == (Decimal("0.50"), Decimal("0.50"))
    scars = recommend(concern="acne_scars", area="forehead")  # a scarring concern: ceiling 1.5
    assert (scars.depth_min_mm, scars.depth_max_mm) == (Decimal("0.50"), Decimal("1.00"))


def test_every_default_pair_is_promised_a_depth_its_area_allows(rules):
    for rule in DepthRule.objects.select_related("concern", "area"):
        found = recommend(concern=rule.concern.slug, area=rule.area.slug)
        assert found.depth_max_mm <= rule.area.ceiling_for(scarring=rule.concern.is_scarring)
        assert found.depth_min_mm <= found.depth_max_mm
