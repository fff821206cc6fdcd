"""The session record at the point of care: depth rules no reason lifts, areas, timing, every
problem at once, needling without a plan, the admin and the database. Service, API and admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from scheduling.care.recording import record_session
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Notification, PlanSession, TreatmentPlan
from scheduling.plans.services import start_plan
from tests.factories import AppointmentFactory, PractitionerFactory, UserFactory
from tests.scheduling.plans_support import session
from treatments.models import Product, Service, TreatmentArea


@pytest.fixture
def ben(anna):
    return PractitionerFactory(
        user__email="ben@example.com", user__first_name="Ben", display_name="Ben", max_depth_mm=Decimal("1.00")
    )


def _past(hours: int = 1) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def _plan(client, concern: str = "fine_lines", area: str = "cheeks") -> TreatmentPlan:
    return start_plan(client=client, concern=concern, area=area, created_by=client)


def _arrived(plan: TreatmentPlan, practitioner, start: dt.datetime | None = None) -> Appointment:
    return session(plan, 1, start or _past(), practitioner, status=Appointment.Status.CHECKED_IN)


def _record(appointment: Appointment, depth: str, *, by, areas=("cheeks",), reason: str = "", **kwargs):
    kwargs.setdefault("reaction", PlanSession.Reaction.MILD)
    return record_session(
        appointment=appointment,
        depth_used_mm=Decimal(depth),
        areas=list(TreatmentArea.objects.filter(slug__in=areas)),
        products=Product.objects.filter(slug="colostrum_gel"),
        notes="",
        depth_override_reason=reason,
        by=by,
        **kwargs,
    )


def _codes(appointment: Appointment, depth: str, **kwargs) -> list[str]:
    with pytest.raises(SchedulingError) as error:
        _record(appointment, depth, **kwargs)
    assert not PlanSession.objects.exists()
    return [p.code for p in error.value.problems or [error.value]]


def test_front_desk_without_a_practitioner_record_cannot_record(alice, anna):
    desk = UserFactory(email="desk@example.com", is_staff=True)
    codes = _codes(_arrived(_plan(alice), anna), "0.75", by=desk)
    assert codes == ["not_a_practitioner"]


def test_the_recorders_limit_holds_on_anyone_elses_appointment(alice, anna, ben):
    appointment = _arrived(_plan(alice, "deep_acne_scars"), anna)
    assert _codes(appointment, "2.00", by=ben.user, reason="Anna asked me to do it") == ["depth_over_limit"]


def test_the_booked_practitioners_limit_holds_whoever_records(alice, anna, ben):
    appointment = _arrived(_plan(alice, "acne_scars"), ben)
    assert _codes(appointment, "1.50", by=anna.user, reason="Deeper scarring than planned") == [
        "depth_over_booked_practitioner"
    ]


def test_a_non_scarring_concern_never_goes_past_one_and_a_half_whatever_the_reason(alice, anna):
    appointment = _arrived(_plan(alice, "fine_lines"), anna)
    assert _codes(appointment, "1.80", by=anna.user, reason="Client asked for deeper needling") == [
        "depth_over_concern"
    ]


def test_the_area_ceiling_holds_whatever_the_reason(alice, anna):
    appointment = _arrived(_plan(alice, "fine_lines", "eye_area"), anna)
    codes = _codes(appointment, "0.75", by=anna.user, areas=("eye_area",), reason="Thick skin around the eyes")
    assert codes == ["depth_over_area"]
    assert _record(appointment, "0.50", by=anna.user, areas=("eye_area",)).depth_used_mm == Decimal("0.50")


def test_two_millimetres_around_the_eyes_breaks_every_rule_at_once(alice, anna, ben):
    appointment = _arrived(_plan(alice, "fine_lines", "eye_area"), anna, start=timezone.now() + dt.timedelta(hours=1))
    codes = _codes(appointment, "2.00", by=ben.user, areas=("eye_area", "nose"), reason=".")
    assert codes == [
        "depth_over_limit",
        "depth_over_concern",
        "depth_over_area",
        "depth_over_area",
        "area_not_in_plan",
        "not_started",
    ]


def test_areas_outside_the_plans_area_are_refused(alice, anna):
    appointment = _arrived(_plan(alice), anna)
    assert _codes(appointment, "0.50", by=anna.user, areas=("eye_area", "nose")) == ["area_not_in_plan"]


@pytest.mark.parametrize("reason", ["", ".", "client ok", "  asked   "])
def test_outside_the_plan_range_a_reason_of_a_few_words_is_needed(alice, anna, reason):
    appointment = _arrived(_plan(alice), anna)  # fine lines on the cheeks: 0.5–1.0 mm
    assert _codes(appointment, "1.25", by=anna.user, reason=reason) == ["depth_out_of_range"]


def test_a_real_reason_allows_a_depth_outside_the_range_within_the_limits(alice, anna):
    appointment = _arrived(_plan(alice), anna)
    record = _record(appointment, "1.25", by=anna.user, reason="Skin tolerated session well, thick skin")
    assert record.depth_override_reason == "Skin tolerated session well, thick skin"


def test_a_session_is_recorded_only_after_its_start(alice, anna):
    appointment = _arrived(_plan(alice), anna, start=timezone.now() + dt.timedelta(minutes=30))
    assert _codes(appointment, "0.75", by=anna.user) == ["not_started"]


# --- Needling without a plan --------------------------------------------------------------------


def _visit(client, practitioner, start: dt.datetime | None = None, service: str = "microneedling-face"):
    return AppointmentFactory(
        client=client,
        practitioner=practitioner,
        service=Service.objects.get(slug=service),
        start=start or _past(),
        status=Appointment.Status.CHECKED_IN,
    )


def test_a_needling_without_a_plan_gets_a_record_and_the_aftercare(alice, anna):
    appointment = _visit(alice, anna)
    record = _record(appointment, "1.00", by=anna.user, areas=("cheeks", "nose"), reaction="none")
    assert record.plan is None and record.number is None and record.appointment == appointment
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    kinds = set(Notification.objects.filter(client=alice).values_list("kind", flat=True))
    assert "aftercare" in kinds
    # The aftercare says plainly when to call the spa or a doctor, and the 48–72 hours.
    first = Notification.objects.filter(client=alice, kind="aftercare").order_by("due_at").first()
    assert "pain after 72 hours" in first.body_text and "48–72 hours" in first.body_text


def test_a_needling_without_a_plan_keeps_the_same_limits(alice, anna):
    appointment = _visit(alice, anna)
    codes = _codes(appointment, "1.75", by=anna.user, areas=("cheeks", "neck"), reason="She wanted more")
    assert codes == ["depth_over_concern", "depth_over_area", "area_not_in_plan"]


def test_a_consultation_has_no_record(alice, anna):
    appointment = _visit(alice, anna, service="consultation")
    assert _codes(appointment, "0.50", by=anna.user) == ["not_needling"]


# --- API, admin, database -----------------------------------------------------------------------


def test_the_api_reports_every_problem_with_its_code(client, alice, anna, ben):
    # Ben records on his own appointment (a practitioner records on their own only: spa.lib.roles).
    appointment = _arrived(_plan(alice, "fine_lines", "eye_area"), ben)
    client.force_login(ben.user)
    response = client.post(
        reverse("api-appointment-complete", args=[appointment.pk]),
        {"needle_depth_mm": 2.0, "areas": ["eye_area", "nose"], "notes": "", "depth_override_reason": "."},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "depth_over_limit"
    assert [p["code"] for p in body["problems"]][:3] == ["depth_over_limit", "depth_over_concern", "depth_over_area"]
    assert len(body["needle_depth_mm"]) == 4 and body["areas"]


def test_the_api_completes_a_needling_without_a_plan(client, alice, anna):
    appointment = _visit(alice, anna)
    client.force_login(anna.user)
    response = client.post(
        reverse("api-appointment-complete", args=[appointment.pk]),
        {"needle_depth_mm": 0.75, "areas": ["cheeks"], "notes": "Even redness."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["plan"] is None and response.json()["appointment_status"] == "completed"


def test_the_api_refuses_a_front_desk_recorder_with_403(client, alice, anna):
    appointment = _arrived(_plan(alice), anna)
    desk = UserFactory(email="desk@example.com", is_staff=True)
    client.force_login(desk)
    response = client.post(
        reverse("api-appointment-complete", args=[appointment.pk]),
        {"needle_depth_mm": 0.75, "areas": ["cheeks"], "notes": ""},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "not_a_practitioner"


def test_the_admin_cannot_add_or_change_session_records(client, owner, alice, anna):
    plan = _plan(alice)
    record = _record(_arrived(plan, anna), "0.75", by=anna.user)
    client.force_login(owner)
    page = client.get(reverse("admin:scheduling_treatmentplan_change", args=[plan.pk]))
    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission
    assert client.get(reverse("admin:scheduling_plansession_add")).status_code == 403
    change = client.post(reverse("admin:scheduling_plansession_change", args=[record.pk]), {"depth_used_mm": "1.75"})
    assert change.status_code == 403
    record.refresh_from_db()
    assert record.depth_used_mm == Decimal("0.75")


def test_the_database_holds_the_two_millimetre_ceiling(alice, anna):
    record = _record(_arrived(_plan(alice), anna), "0.75", by=anna.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanSession.objects.filter(pk=record.pk).update(depth_used_mm=Decimal("2.50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentArea.objects.filter(slug="eye_area").update(max_depth_mm=Decimal("3.00"))


def test_area_ceilings_are_seeded_from_the_domain_table(rules):
    ceilings = {a.slug: (a.max_depth_mm, a.max_depth_scarring_mm) for a in TreatmentArea.objects.all()}
    assert ceilings["eye_area"] == (Decimal("0.50"), None)
    assert ceilings["forehead"] == (Decimal("0.50"), Decimal("1.50"))
    assert ceilings["nose"][0] == ceilings["upper_lip"][0] == Decimal("1.00")
    assert ceilings["cheeks"][0] == ceilings["body"][0] == Decimal("2.00")
