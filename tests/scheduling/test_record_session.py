"""Recording a plan session: depth rules, completion of the appointment and the plan, outbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scheduling.care.recording import record_session
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, PlanSession, TreatmentPlan
from scheduling.notifications import outbox
from scheduling.plans.services import start_plan
from tests.factories import PractitionerFactory
from tests.scheduling.plans_support import deep_acne_plan, session
from treatments.models import Product, TreatmentArea


@pytest.fixture
def ben(anna):
    return PractitionerFactory(
        user__email="ben@example.com", user__first_name="Ben", display_name="Ben", max_depth_mm=Decimal("1.00")
    )


@pytest.fixture
def cheeks(rules):
    return [TreatmentArea.objects.get(slug="cheeks")]


def arrived(plan, number, start, practitioner, status=Appointment.Status.CHECKED_IN):
    """A plan session's appointment whose client has been checked in (recording needs it)."""
    return session(plan, number, start, practitioner, status=status)


def _earlier(hours: int = 2) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def _record(appointment: Appointment, depth: str, *, by, reason: str = "", **kwargs) -> PlanSession:
    kwargs.setdefault("areas", TreatmentArea.objects.filter(slug="cheeks"))
    kwargs.setdefault("products", Product.objects.filter(slug="colostrum_gel"))
    kwargs.setdefault("reaction", PlanSession.Reaction.MILD)
    kwargs.setdefault("notes", "Numbing 20 min.")
    return record_session(
        appointment=appointment, depth_used_mm=Decimal(depth), depth_override_reason=reason, by=by, **kwargs
    )


def test_recording_a_session_completes_the_appointment(alice, anna, monkeypatch):
    queued = []
    monkeypatch.setattr(outbox, "session_completed", lambda *, session, now=None: queued.append(session))
    plan = deep_acne_plan(alice)
    appointment = arrived(plan, 1, _earlier(), anna)
    record = _record(appointment, "1.50", by=anna.user)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED and appointment.completed_at is not None
    assert (record.number, record.depth_used_mm, record.recorded_by) == (1, Decimal("1.50"), anna.user)
    assert [a.slug for a in record.areas.all()] == ["cheeks"]
    assert [p.slug for p in record.products.all()] == ["colostrum_gel"]
    assert record.depth_override_reason == ""
    assert queued == [record]
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ACTIVE


def test_a_booked_appointment_not_checked_in_cannot_be_recorded(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna, status=Appointment.Status.BOOKED)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.75", by=anna.user)
    assert error.value.code == "not_started" and "check her in" in error.value.message
    assert not PlanSession.objects.exists()


def test_a_depth_outside_the_plans_range_needs_a_reason(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.25", by=anna.user)
    assert (error.value.code, error.value.field) == ("depth_out_of_range", "depth_used_mm")
    assert "1.50–2.00" in error.value.message
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN and not PlanSession.objects.exists()

    record = _record(appointment, "1.25", by=anna.user, reason="Skin thin after sun exposure")
    assert record.depth_override_reason == "Skin thin after sun exposure"


@pytest.mark.parametrize("reason", ["", "Client insisted"])
def test_never_deeper_than_two_millimetres_whatever_the_reason(alice, anna, reason):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "2.25", by=anna.user, reason=reason)
    assert error.value.code == "depth_over_ceiling"
    assert not PlanSession.objects.exists()


def test_never_shallower_than_the_floor(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "0.10", by=anna.user, reason="Test patch")
    assert error.value.code == "depth_below_floor"


@pytest.mark.parametrize("reason", ["", "Anna was off sick"])
def test_never_deeper_than_the_practitioners_limit_whatever_the_reason(alice, ben, reason):
    # Acne scarring on the cheeks is 1.0–1.5 mm; Ben may needle up to 1.0 mm.
    plan = start_plan(client=alice, concern="acne_scars", area="cheeks", created_by=alice)
    appointment = arrived(plan, 1, _earlier(), ben)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.25", by=ben.user, reason=reason)
    assert error.value.code == "depth_over_limit"
    assert "1.00 mm" in error.value.message
    assert _record(appointment, "1.00", by=ben.user).depth_used_mm == Decimal("1.00")


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_only_booked_or_checked_in_appointments_can_be_recorded(alice, anna, status):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna, status=status)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.50", by=anna.user)
    assert error.value.code == "wrong_status"


def test_a_session_is_recorded_once(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    _record(appointment, "1.50", by=anna.user)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.75", by=anna.user)
    assert error.value.code == "wrong_status"
    assert PlanSession.objects.count() == 1


def test_a_session_cannot_be_recorded_before_it_starts(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, timezone.now() + dt.timedelta(hours=2), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.50", by=anna.user)
    assert error.value.code == "not_started"


def test_clients_cannot_record_sessions(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.50", by=alice)
    assert error.value.status == 403


def test_at_least_one_area_and_a_known_reaction(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.50", by=anna.user, areas=[])
    assert error.value.field == "areas"
    with pytest.raises(SchedulingError) as error:
        _record(appointment, "1.50", by=anna.user, reaction="awful")
    assert error.value.field == "reaction"


def test_the_plan_completes_with_its_last_session(alice, anna):
    plan = deep_acne_plan(alice)
    plan.sessions_planned = 2
    plan.save()
    first = arrived(plan, 1, _earlier(24 * 35), anna)
    second = arrived(plan, 2, _earlier(), anna)
    _record(first, "1.50", by=anna.user, now=first.end)
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ACTIVE
    _record(second, "1.75", by=anna.user)
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.COMPLETED


def test_recording_queues_the_aftercare(alice, anna):
    appointment = arrived(deep_acne_plan(alice), 1, _earlier(), anna)
    record = _record(appointment, "1.50", by=anna.user)
    kinds = set(record.plan.notifications.values_list("kind", flat=True))
    assert "aftercare" in kinds
