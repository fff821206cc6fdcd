"""The demo client: screened, consent signed, a plan in progress; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clients.models import ConsentSignature, IntakeSubmission
from clients.screening import screening_status
from scheduling.demo import load_demo
from scheduling.models import Appointment, Notification, PlanSession, TreatmentPlan
from scheduling.plans.selectors import plan_timeline
from spa.lib.time import local_date


def _state() -> tuple[int, ...]:
    return (
        IntakeSubmission.objects.count(),
        ConsentSignature.objects.count(),
        TreatmentPlan.objects.count(),
        Appointment.objects.count(),
        PlanSession.objects.count(),
        Notification.objects.count(),
    )


def test_the_demo_client_has_a_plan_in_progress_and_loading_twice_changes_nothing(rules):
    load_demo()
    plan = TreatmentPlan.objects.get(client__email="client@demo.spa")
    assert (plan.concern.slug, plan.area.slug, plan.status) == ("deep_acne_scars", "cheeks", "active")
    assert screening_status(user_id=plan.client_id).can_book

    one, two, three, four = plan_timeline(plan)
    assert one.status == "completed" and one.record.depth_used_mm == plan.depth_min_mm
    assert one.record.results_rating == 3
    days_ago = (local_date(timezone.now()) - local_date(one.appointment.start)).days
    assert 35 <= days_ago <= 36
    assert one.appointment.status == Appointment.Status.COMPLETED
    assert two.status == "booked"
    assert two.window.contains(local_date(two.appointment.start))
    assert two.appointment.start > timezone.now()
    assert two.appointment.practitioner.user.email == "anna@demo.spa"
    assert (three.status, four.status) == ("to_book", "waiting")

    before = _state()
    load_demo()
    assert _state() == before


def test_the_demo_plan_needs_the_default_rules(db):
    accounts = load_demo()
    assert ("client@demo.spa", "client") in accounts
    assert not TreatmentPlan.objects.exists()


def test_the_demo_diary_has_bookings_over_the_coming_weeks_and_a_second_load_adds_none(db):
    from scheduling.models import Appointment
    from treatments.defaults import load_default_rules

    load_default_rules()
    load_demo()
    upcoming = Appointment.objects.filter(status=Appointment.Status.BOOKED)
    assert upcoming.values("client").distinct().count() >= 5
    count = Appointment.objects.count()
    load_demo()
    assert Appointment.objects.count() == count


def test_the_demo_spa_keeps_every_booking_rule(rules):
    from django.core.management import call_command

    from scheduling.booking.audit import booking_breaches

    load_demo()
    assert Appointment.objects.filter(client__email="maya@demo.spa").count() == 2
    assert booking_breaches(overrides=True) == []
    call_command("check_bookings")  # raises CommandError on any breach


def test_check_bookings_lists_a_needling_that_breaks_the_spacing(rules, anna, alice, capsys):
    import pytest
    from django.core.management import CommandError, call_command

    from tests.factories import AppointmentFactory
    from tests.scheduling.booking_support import at, monday
    from treatments.models import Service

    face = Service.objects.get(slug="microneedling-face")
    AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    late = AppointmentFactory(
        client=alice, practitioner=anna, service=face, start=at(monday(1) + dt.timedelta(days=2), 10)
    )
    with pytest.raises(CommandError, match="2 appointment"):
        call_command("check_bookings")
    out = capsys.readouterr().out
    assert f"#{late.pk}" in out and "too_soon_after_needling" in out
