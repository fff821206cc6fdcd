"""Reactions are acted on: a strong reaction, an adverse event or her report of a problem alerts
the owner and the practitioner, holds the plan (no online booking, prompts withdrawn) and caps
the next depth; a practitioner releases the hold with a note."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.services import export_client_data
from scheduling.booking.services import book_appointment
from scheduling.care.reactions import record_adverse_event, release_plan_hold, report_problem
from scheduling.care.recording import record_session
from scheduling.errors import SchedulingError
from scheduling.models import AdverseEvent, Alert, Appointment, Notification, PlanSession, TreatmentPlan
from scheduling.notifications.dispatch import dispatch_due_notifications
from scheduling.plans.selectors import suggested_depth
from scheduling.plans.services import start_plan
from tests.factories import UserFactory
from tests.scheduling.plans_support import session
from treatments.models import Product, TreatmentArea


def _past(hours: int = 1) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


@pytest.fixture
def plan(alice):
    # Acne scars on the cheeks: 1.0–1.5 mm.
    return start_plan(client=alice, concern="acne_scars", area="cheeks", created_by=alice)


def _record(plan: TreatmentPlan, practitioner, reaction: str, depth: str = "1.00") -> PlanSession:
    appointment = session(plan, 1, _past(), practitioner, status=Appointment.Status.CHECKED_IN)
    return record_session(
        appointment=appointment,
        depth_used_mm=Decimal(depth),
        areas=TreatmentArea.objects.filter(slug="cheeks"),
        products=Product.objects.none(),
        reaction=reaction,
        notes="Marked swelling.",
        by=practitioner.user,
    )


def test_a_strong_reaction_alerts_holds_the_plan_and_steps_the_depth_down(alice, anna, owner, plan):
    record = _record(plan, anna, "strong")
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ON_HOLD and "Strong reaction" in plan.hold_reason
    alert = Alert.objects.get()
    assert (alert.kind, alert.client, alert.practitioner, alert.session) == ("strong_reaction", alice, anna, record)
    emails = Notification.objects.filter(kind=Notification.Kind.STAFF_ALERT)
    assert {n.client for n in emails} == {owner, anna.user}
    assert all(alice.email in n.body_text and "+447700900123" in n.body_text for n in emails)
    # Last depth 1.00 mm, the range starts at 1.00: the suggestion still goes down, to 0.75 mm.
    assert suggested_depth(plan=plan) == Decimal("0.75")


def test_a_plan_on_hold_cannot_be_booked_and_its_prompts_are_withdrawn(alice, anna, plan):
    _record(plan, anna, "strong")
    prompts = Notification.objects.filter(plan=plan, kind__in=["rebook_prompt", "window_closing"])
    assert prompts.exists() and not prompts.filter(status="pending").exists()
    with pytest.raises(SchedulingError) as error:
        book_appointment(client=alice, start=timezone.now() + dt.timedelta(days=30), plan=plan, booked_by=alice)
    assert (error.value.code, error.value.status) == ("plan_on_hold", 403)


def test_the_api_refuses_booking_a_plan_on_hold(client, alice, anna, plan):
    _record(plan, anna, "strong")
    client.force_login(alice)
    response = client.post(
        reverse("api-appointments"),
        {"service": plan.service.slug, "start": (timezone.now() + dt.timedelta(days=30)).isoformat(), "plan": plan.pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "plan_on_hold"


def test_a_mild_reaction_changes_nothing(anna, plan):
    _record(plan, anna, "mild")
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ACTIVE and not Alert.objects.exists()


def test_her_report_of_a_problem_alerts_and_holds(client, alice, bob, anna, owner, plan):
    record = _record(plan, anna, "mild")
    url = reverse("scheduling:report_problem", args=[record.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    assert client.post(url, {"text": "ok"}).status_code == 200  # too short: asked again
    done = client.post(url, {"text": "Yellow crust and fever since day 2"})
    assert done.status_code == 302
    alert = Alert.objects.get()
    assert alert.kind == "client_report" and "Yellow crust" in alert.text
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ON_HOLD
    assert suggested_depth(plan=plan) == Decimal("0.75")  # capped at 1.00 − 0.25


def test_bob_cannot_report_for_alice(alice, bob, anna, plan):
    record = _record(plan, anna, "mild")
    with pytest.raises(SchedulingError) as error:
        report_problem(record=record, client=bob, text="Something odd happened here")
    assert error.value.code == "not_your_session"


def test_an_adverse_event_is_recorded_alerts_and_is_in_her_export(alice, anna, plan):
    record = _record(plan, anna, "moderate")
    event = record_adverse_event(
        client=alice,
        kind=AdverseEvent.Kind.INFECTION,
        onset=timezone.localdate(),
        severity=AdverseEvent.Severity.MODERATE,
        action="Referred to her GP; antibiotics.",
        by=anna.user,
    )
    assert event.session == record and event.plan == plan
    assert Alert.objects.get().adverse_event == event
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ON_HOLD
    exported = export_client_data(user=alice)["care"]["adverse_events"]
    assert exported[0]["kind"] == "infection" and exported[0]["action"].startswith("Referred")
    with pytest.raises(SchedulingError) as error:
        record_adverse_event(client=alice, kind="nonsense", onset=None, severity="", action="", by=anna.user)
    assert error.value.code == "bad_adverse_event"


def test_a_practitioner_releases_the_hold_with_a_note(alice, anna, plan):
    _record(plan, anna, "strong")
    desk = UserFactory(email="desk@example.com", is_staff=True)
    with pytest.raises(SchedulingError) as error:
        release_plan_hold(plan=plan, note="Checked her skin, healed well", by=desk)
    assert error.value.code == "not_a_practitioner"
    with pytest.raises(SchedulingError) as error:
        release_plan_hold(plan=plan, note="ok", by=anna.user)
    assert error.value.code == "note_required"
    released = release_plan_hold(plan=plan, note="Skin healed, seen today; go on at 0.75 mm", by=anna.user)
    assert released.status == TreatmentPlan.Status.ACTIVE
    alert = Alert.objects.get()
    assert alert.resolved_by == anna.user and "Skin healed" in alert.resolution_note
    with pytest.raises(SchedulingError) as error:
        release_plan_hold(plan=plan, note="Skin healed, seen today", by=anna.user)
    assert error.value.code == "plan_not_on_hold"


def test_the_owners_dashboard_shows_open_alerts_with_contact_details(client, alice, anna, owner, plan):
    _record(plan, anna, "strong")
    client.force_login(owner)
    page = client.get(reverse("scheduling:staff_dashboard"))
    assert "Alerts to act on" in page.text and "Strong reaction" in page.text and alice.email in page.text


def test_alert_emails_leave_through_the_outbox(alice, anna, owner, plan, mailoutbox):
    _record(plan, anna, "strong")
    dispatch_due_notifications(now=timezone.now() + dt.timedelta(seconds=1), batch_size=100)
    subjects = [m.subject for m in mailoutbox if m.to in ([owner.email], [anna.user.email])]
    assert len(subjects) == 2 and all("Strong reaction" in s for s in subjects)


def test_a_report_needs_a_few_words(alice, anna, plan):
    record = _record(plan, anna, "mild")
    with pytest.raises(SchedulingError) as error:
        report_problem(record=record, client=alice, text="bad")
    assert (error.value.code, error.value.field) == ("problem_required", "text")
    assert not Alert.objects.exists()


def test_the_results_check_links_the_problem_report(alice, anna, plan):
    record = _record(plan, anna, "mild")
    check = Notification.objects.get(kind="results_check", dedupe_key__startswith=f"session:{record.pk}:")
    assert reverse("scheduling:report_problem", args=[record.pk]) in check.body_text
