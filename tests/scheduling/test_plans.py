"""Treatment plan services: start (rule snapshot), suggested depth, whole course, extend, end, ratings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scheduling.booking.services import book_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, PlanSession, TreatmentPlan
from scheduling.plans.course import book_course, propose_course
from scheduling.plans.selectors import plan_timeline, suggested_depth
from scheduling.plans.services import end_plan, extend_plan, rate_session, start_plan
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.scheduling.plans_support import deep_acne_plan, local, session
from treatments.errors import TreatmentsError
from treatments.models import Concern, DepthRule

# A Monday morning; the personas' intakes (made today) are valid then.
NOW = local(2027, 1, 4, 8)


@pytest.fixture
def ben(anna):
    """Ben may needle up to 1.0 mm: never offered for deep acne scars (1.5–2.0 mm)."""
    return PractitionerFactory(
        user__email="ben@example.com", user__first_name="Ben", display_name="Ben", max_depth_mm=Decimal("1.00")
    )


# --- start_plan ----------------------------------------------------------------------------


def test_starting_a_plan_copies_the_rule(alice):
    plan = deep_acne_plan(alice)
    assert plan.status == TreatmentPlan.Status.ACTIVE
    assert (plan.depth_min_mm, plan.depth_max_mm) == (Decimal("1.50"), Decimal("2.00"))
    assert (plan.sessions_planned, plan.sessions_max) == (4, 6)
    assert (plan.interval_min_weeks, plan.interval_max_weeks) == (4, 6)
    assert plan.service.slug == "microneedling-face"
    assert plan.created_by == alice


def test_a_later_rule_edit_does_not_change_an_existing_plan(alice, bob):
    plan = deep_acne_plan(alice)
    rule = DepthRule.objects.get(concern__slug="deep_acne_scars", area__slug="cheeks")
    rule.min_depth_mm, rule.max_depth_mm = Decimal("1.00"), Decimal("1.75")
    rule.save()
    Concern.objects.filter(slug="deep_acne_scars").update(
        initial_sessions=3, max_sessions=5, interval_min_weeks=6, interval_max_weeks=8
    )

    plan.refresh_from_db()
    assert (plan.depth_min_mm, plan.depth_max_mm, plan.sessions_planned, plan.sessions_max) == (
        Decimal("1.50"),
        Decimal("2.00"),
        4,
        6,
    )
    assert (plan.interval_min_weeks, plan.interval_max_weeks) == (4, 6)
    new = deep_acne_plan(bob)
    assert (new.depth_min_mm, new.depth_max_mm, new.sessions_planned, new.interval_min_weeks) == (
        Decimal("1.00"),
        Decimal("1.75"),
        3,
        6,
    )


@pytest.mark.parametrize(
    ("concern", "area", "code"),
    [("nope", "cheeks", "unknown_concern"), ("wrinkles", "nope", "unknown_area"), ("wrinkles", "nose", "no_rule")],
)
def test_an_unknown_concern_or_area_or_a_pair_without_rule_is_refused(alice, concern, area, code):
    with pytest.raises(TreatmentsError) as error:
        start_plan(client=alice, concern=concern, area=area, created_by=alice)
    assert error.value.code == code
    assert not TreatmentPlan.objects.exists()


def test_one_active_plan_per_concern_and_area(alice):
    deep_acne_plan(alice)
    with pytest.raises(SchedulingError) as error:
        deep_acne_plan(alice)
    assert error.value.code == "plan_exists"


def test_a_client_cannot_start_a_plan_for_someone_else(alice, bob):
    with pytest.raises(SchedulingError) as error:
        start_plan(client=alice, concern="deep_acne_scars", area="cheeks", created_by=bob)
    assert error.value.status == 403


# --- suggested depth -----------------------------------------------------------------------


def _record(plan: TreatmentPlan, number: int, depth: str, reaction: str) -> PlanSession:
    return PlanSession.objects.create(plan=plan, number=number, depth_used_mm=Decimal(depth), reaction=reaction)


def test_the_first_session_starts_at_the_range_minimum(alice):
    assert suggested_depth(plan=deep_acne_plan(alice)) == Decimal("1.50")


@pytest.mark.parametrize(
    ("last_depth", "reaction", "suggested"),
    [
        ("1.50", "none", "1.75"),
        ("1.50", "mild", "1.75"),
        ("1.75", "moderate", "1.75"),
        ("1.75", "strong", "1.50"),
        ("1.50", "strong", "1.25"),  # a strong reaction steps down even below the range (DOMAIN.md)
        ("2.00", "mild", "2.00"),  # never past the maximum
        ("1.25", "mild", "1.50"),  # an override below the range comes back into it
    ],
)
def test_suggested_depth_steps_by_a_quarter_millimetre(alice, last_depth, reaction, suggested):
    plan = deep_acne_plan(alice)
    _record(plan, 1, "1.50", "none")
    _record(plan, 2, last_depth, reaction)
    assert suggested_depth(plan=plan) == Decimal(suggested)


# --- the whole course ----------------------------------------------------------------------


def _book_first(plan: TreatmentPlan, start: dt.datetime) -> Appointment:
    return book_appointment(
        client=plan.client, service=plan.service, start=start, plan=plan, booked_by=plan.client, now=NOW
    )


def test_the_course_keeps_practitioner_weekday_and_time(alice, anna, ben):
    plan = deep_acne_plan(alice)
    first = _book_first(plan, local(2027, 1, 11, 10))
    assert first.practitioner == anna and first.session_number == 1

    proposals = propose_course(plan=plan, now=NOW)
    assert [p.number for p in proposals] == [2, 3, 4]
    # Across the spring change (28 March 2027): still Mondays at 10:00 local.
    assert [p.start for p in proposals] == [local(2027, 2, 8, 10), local(2027, 3, 8, 10), local(2027, 4, 5, 10)]
    assert all(p.practitioner == anna and p.same_time for p in proposals)
    assert (proposals[0].window.start, proposals[0].window.end) == (dt.date(2027, 2, 8), dt.date(2027, 2, 22))

    booked = book_course(plan=plan, proposals=proposals, booked_by=alice, now=NOW)
    assert [(a.session_number, a.start) for a in booked] == [(p.number, p.start) for p in proposals]
    assert all(row.status == "booked" for row in plan_timeline(plan, now=NOW))


def test_the_course_moves_a_week_when_the_usual_time_is_taken(alice, bob, anna, ben):
    plan = deep_acne_plan(alice)
    _book_first(plan, local(2027, 1, 11, 10))
    AppointmentFactory(client=bob, practitioner=anna, start=local(2027, 2, 8, 10))
    proposals = propose_course(plan=plan, now=NOW)
    assert proposals[0].start == local(2027, 2, 15, 10) and proposals[0].same_time


def test_the_course_takes_the_nearest_free_time_when_the_usual_one_is_never_free(alice, bob, anna, ben):
    plan = deep_acne_plan(alice)
    _book_first(plan, local(2027, 1, 11, 10))
    for day in (8, 15, 22):
        AppointmentFactory(client=bob, practitioner=anna, start=local(2027, 2, day, 10))
    proposals = propose_course(plan=plan, now=NOW)
    # Bob holds Anna 10:00–11:15 (60 min + 15 min buffer); Ben is never offered at 1.5 mm.
    assert proposals[0].start == local(2027, 2, 8, 11, 15)
    assert proposals[0].practitioner == anna and not proposals[0].same_time


def test_the_course_starts_with_session_one_when_nothing_is_booked(alice, anna):
    plan = deep_acne_plan(alice)
    proposals = propose_course(plan=plan, now=NOW)
    assert [p.number for p in proposals] == [1, 2, 3, 4]
    assert proposals[0].start == local(2027, 1, 4, 10)  # the first time after two hours' notice
    assert proposals[1].start == local(2027, 2, 1, 10)


def test_a_practitioner_below_the_plans_depth_is_refused_for_the_course(alice, anna, ben):
    plan = deep_acne_plan(alice)
    with pytest.raises(SchedulingError) as error:
        propose_course(plan=plan, practitioner=ben, now=NOW)
    assert error.value.code == "depth_over_practitioner"


def acne_plan(client):
    """Acne scars on the cheeks: 1.0–1.5 mm. Ben (1.0 mm) may start it but not finish it."""
    return start_plan(client=client, concern="acne_scars", area="cheeks", created_by=client)


def test_a_course_proposal_never_assigns_a_practitioner_below_the_plans_maximum_depth(alice, bob, anna, ben):
    plan = acne_plan(alice)
    assert (plan.depth_min_mm, plan.depth_max_mm) == (Decimal("1.00"), Decimal("1.50"))
    # Anna is busy every Monday morning of the course; Ben is free. Ben still may not be proposed.
    for week in range(0, 30):
        AppointmentFactory(client=bob, practitioner=anna, start=local(2027, 1, 4, 10) + dt.timedelta(weeks=week))
    proposals = propose_course(plan=plan, now=NOW)
    assert len(proposals) == plan.sessions_planned
    assert {p.practitioner for p in proposals} == {anna}
    with pytest.raises(SchedulingError) as error:
        propose_course(plan=plan, practitioner=ben, now=NOW)
    assert error.value.code == "depth_over_practitioner"


def test_a_course_nobody_may_finish_says_so(alice, anna, ben):
    plan = acne_plan(alice)
    anna.max_depth_mm = Decimal("1.25")
    anna.save()
    with pytest.raises(SchedulingError) as error:
        propose_course(plan=plan, now=NOW)
    assert error.value.code == "no_practitioner_for_course"
    assert "1.50 mm" in error.value.message


def test_booking_the_course_is_all_or_nothing(alice, bob, anna):
    plan = deep_acne_plan(alice)
    _book_first(plan, local(2027, 1, 11, 10))
    proposals = propose_course(plan=plan, now=NOW)
    # Someone takes session 3's time between the proposal and the confirmation.
    AppointmentFactory(client=bob, practitioner=anna, start=proposals[1].start)
    with pytest.raises(SchedulingError) as error:
        book_course(plan=plan, proposals=proposals, booked_by=alice, now=NOW)
    assert error.value.status == 409
    assert list(plan.appointments.values_list("session_number", flat=True)) == [1]


def test_a_stale_proposal_is_refused(alice, anna):
    plan = deep_acne_plan(alice)
    _book_first(plan, local(2027, 1, 11, 10))
    proposals = propose_course(plan=plan, now=NOW)
    with pytest.raises(SchedulingError) as error:
        book_course(plan=plan, proposals=proposals[1:], booked_by=alice, now=NOW)
    assert error.value.code == "course_changed"
    assert plan.appointments.count() == 1


def test_no_course_for_a_plan_that_is_fully_booked_or_ended(alice, anna):
    plan = deep_acne_plan(alice)
    for number, day in enumerate([11, 8, 8, 5], start=1):
        session(plan, number, local(2027, number, day), anna)
    with pytest.raises(SchedulingError) as error:
        propose_course(plan=plan, now=NOW)
    assert error.value.code == "plan_complete"


# --- extend and end ------------------------------------------------------------------------


def test_staff_extend_a_plan_up_to_its_maximum_only(alice, anna):
    plan = deep_acne_plan(alice)
    plan = extend_plan(plan=plan, by=anna.user)
    assert plan.sessions_planned == 5
    plan = extend_plan(plan=plan, by=anna.user)
    assert plan.sessions_planned == 6
    with pytest.raises(SchedulingError) as error:
        extend_plan(plan=plan, by=anna.user)
    assert error.value.code == "plan_at_max"
    plan.refresh_from_db()
    assert plan.sessions_planned == 6


def test_extending_past_the_maximum_in_one_go_is_refused(alice, anna):
    plan = deep_acne_plan(alice)
    with pytest.raises(SchedulingError):
        extend_plan(plan=plan, by=anna.user, sessions=3)
    plan.refresh_from_db()
    assert plan.sessions_planned == 4


def test_extending_a_completed_plan_reopens_it(alice, anna):
    plan = deep_acne_plan(alice)
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=TreatmentPlan.Status.COMPLETED)
    plan = extend_plan(plan=plan, by=anna.user)
    assert plan.status == TreatmentPlan.Status.ACTIVE


def test_a_client_cannot_extend_her_plan(alice):
    plan = deep_acne_plan(alice)
    with pytest.raises(SchedulingError) as error:
        extend_plan(plan=plan, by=alice)
    assert error.value.status == 403


def test_ending_a_plan_needs_a_reason_and_cancels_its_booked_sessions(alice, anna):
    plan = deep_acne_plan(alice)
    first = _book_first(plan, local(2027, 1, 11, 10))
    with pytest.raises(SchedulingError) as error:
        end_plan(plan=plan, reason=" ", by=anna.user, now=NOW)
    assert error.value.code == "reason_required"
    plan = end_plan(plan=plan, reason="Moving abroad", by=anna.user, now=NOW)
    assert (plan.status, plan.ended_reason) == (TreatmentPlan.Status.CANCELLED, "Moving abroad")
    first.refresh_from_db()
    assert first.status == Appointment.Status.CANCELLED
    with pytest.raises(SchedulingError):
        extend_plan(plan=plan, by=anna.user)


# --- ratings -------------------------------------------------------------------------------


def test_a_client_rates_her_own_session_from_one_to_five(alice, bob):
    plan = deep_acne_plan(alice)
    record = _record(plan, 1, "1.50", "mild")
    rate_session(session=record, client=alice, rating=4, comment="Smoother already")
    record.refresh_from_db()
    assert (record.results_rating, record.results_comment) == (4, "Smoother already")
    assert record.rated_at is not None
    for rating in (0, 6):
        with pytest.raises(SchedulingError) as error:
            rate_session(session=record, client=alice, rating=rating)
        assert error.value.field == "rating"
    with pytest.raises(SchedulingError) as error:
        rate_session(session=record, client=bob, rating=1)
    assert error.value.status == 403
    record.refresh_from_db()
    assert record.results_rating == 4
