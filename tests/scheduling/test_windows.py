"""Windows between plan sessions: local calendar dates, never moved by daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.booking.services import book_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, TreatmentPlan
from scheduling.plans.windows import (
    Window,
    active_sessions,
    flag_sessions_outside_windows,
    next_window,
    session_windows,
    window_after,
)
from tests.scheduling.plans_support import deep_acne_plan, local, move, session


def test_session_one_may_be_booked_any_time(alice):
    plan = deep_acne_plan(alice)
    window = next_window(plan)
    assert window == Window(number=1, start=None, end=None)
    assert window.contains(dt.date(2030, 1, 1))
    assert window.describe() == "any time"
    assert window.as_dict() == {"window_start": None, "window_end": None}


def test_session_two_window_is_four_to_six_weeks_after_session_one(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2026, 5, 6), anna)
    window = next_window(plan)
    assert (window.number, window.start, window.end) == (2, dt.date(2026, 6, 3), dt.date(2026, 6, 17))
    assert not window.contains(dt.date(2026, 6, 2))
    assert window.contains(dt.date(2026, 6, 3)) and window.contains(dt.date(2026, 6, 17))
    assert not window.contains(dt.date(2026, 6, 18))
    assert window.describe() == "3 June 2026 to 17 June 2026"


def test_window_across_the_spring_change_keeps_local_dates(alice, anna):
    # Session 1 in GMT (before 29 March 2026), the window in BST: same weekday, same dates.
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2026, 3, 14, 0, 30), anna)
    window = next_window(plan)
    assert (window.start, window.end) == (dt.date(2026, 4, 11), dt.date(2026, 4, 25))


def test_window_across_the_autumn_change_is_not_moved_an_hour_early(alice, anna):
    # 00:30 BST on Saturday 10 October is 23:30 UTC on the Friday; 28 days of 24 hours later it
    # would be 23:30 GMT on Friday 6 November. The window opens on Saturday 7 November.
    plan = deep_acne_plan(alice)
    first = local(2026, 10, 10, 0, 30)
    assert first.astimezone(dt.UTC).date() == dt.date(2026, 10, 9)
    session(plan, 1, first, anna)
    window = window_after(plan, number=2, previous_start=first)
    assert (window.start, window.end) == (dt.date(2026, 11, 7), dt.date(2026, 11, 21))
    assert window.start.weekday() == 5


def test_windows_at_month_and_year_ends(alice, anna):
    plan = deep_acne_plan(alice)
    assert window_after(plan, number=2, previous_start=local(2027, 1, 31)).start == dt.date(2027, 2, 28)
    assert window_after(plan, number=2, previous_start=local(2028, 1, 31)).start == dt.date(2028, 2, 28)
    window = window_after(plan, number=3, previous_start=local(2026, 12, 5))
    assert (window.start, window.end) == (dt.date(2027, 1, 2), dt.date(2027, 1, 16))


def test_windows_follow_the_plans_own_interval_not_the_rule(alice, anna):
    plan = deep_acne_plan(alice)
    plan.concern.interval_min_weeks, plan.concern.interval_max_weeks = 8, 10
    plan.concern.save()
    session(plan, 1, local(2026, 5, 6), anna)
    window = next_window(TreatmentPlan.objects.get(pk=plan.pk))
    assert (window.start, window.end) == (dt.date(2026, 6, 3), dt.date(2026, 6, 17))


def test_session_windows_lists_every_planned_session(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2026, 5, 6), anna, status=Appointment.Status.COMPLETED)
    session(plan, 2, local(2026, 6, 10), anna)
    windows = session_windows(plan)
    assert len(windows) == 4
    assert windows[0].start is None
    assert (windows[1].start, windows[1].end) == (dt.date(2026, 6, 3), dt.date(2026, 6, 17))
    assert (windows[2].start, windows[2].end) == (dt.date(2026, 7, 8), dt.date(2026, 7, 22))
    assert windows[3] is None
    assert next_window(plan).number == 3


def test_a_cancelled_session_frees_its_number_and_its_window(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2026, 5, 6), anna)
    session(plan, 2, local(2026, 6, 10), anna, status=Appointment.Status.CANCELLED)
    assert set(active_sessions(plan)) == {1}
    assert next_window(plan).number == 2


def test_no_next_window_when_every_session_is_booked_or_the_plan_ended(alice, anna):
    plan = deep_acne_plan(alice)
    for number, day in enumerate([6, 3, 1, 29], start=1):
        session(plan, number, local(2026, 5 + number - 1, day), anna)
    assert next_window(plan) is None
    plan.sessions_planned = 5
    assert next_window(plan).number == 5
    plan.status = TreatmentPlan.Status.CANCELLED
    assert next_window(plan) is None


def test_moving_session_one_recomputes_session_two_and_flags_it_outside(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 5, 6), anna)
    second = session(plan, 2, local(2026, 6, 10), anna)
    third = session(plan, 3, local(2026, 7, 15), anna)
    assert flag_sessions_outside_windows(plan=plan) == []

    # Session 1 moves three weeks later: session 2 (10 June) is now before its window (24 June).
    move(first, local(2026, 5, 27))
    flagged = flag_sessions_outside_windows(plan=plan)
    assert [a.pk for a in flagged] == [second.pk]
    second.refresh_from_db()
    assert second.staff_flag == "Outside its window (24 June 2026 to 8 July 2026) after an earlier session moved."
    third.refresh_from_db()
    assert third.staff_flag == ""  # its window still follows session 2, which did not move

    # Running it again flags nothing new.
    assert flag_sessions_outside_windows(plan=plan) == []


def test_a_session_back_inside_its_window_loses_only_the_window_flag(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 5, 6), anna)
    second = session(plan, 2, local(2026, 6, 10), anna)
    move(first, local(2026, 5, 27))
    flag_sessions_outside_windows(plan=plan)
    second.refresh_from_db()
    second.staff_flag += " Pre-visit: new medication."
    second.save()

    move(first, local(2026, 5, 6))
    assert flag_sessions_outside_windows(plan=plan) == []
    second.refresh_from_db()
    assert second.staff_flag == "Pre-visit: new medication."


def test_only_booked_sessions_are_flagged(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2026, 5, 6), anna)
    session(plan, 2, local(2026, 5, 13), anna, status=Appointment.Status.COMPLETED)
    assert flag_sessions_outside_windows(plan=plan) == []


# --- Booking against the window (scheduling.booking.services enforces next_window) --------------------

NOW = local(2027, 1, 4, 8)


def _book(plan, start, by=None, **kwargs):
    return book_appointment(
        client=plan.client, service=plan.service, start=start, plan=plan, booked_by=by or plan.client, now=NOW, **kwargs
    )


def test_session_two_books_on_the_first_and_last_day_of_its_window_across_the_spring_change(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2027, 3, 6, 10), anna)  # Saturday, GMT
    with pytest.raises(SchedulingError) as error:
        _book(plan, local(2027, 4, 2, 10))  # the Friday before the window, BST
    assert error.value.code == "outside_window" and "3 April 2027 to 17 April 2027" in error.value.message
    with pytest.raises(SchedulingError) as error:
        _book(plan, local(2027, 4, 19, 10))  # the Monday after it closed
    assert error.value.code == "outside_window"
    last = _book(plan, local(2027, 4, 17, 16))
    assert last.session_number == 2
    last.status = Appointment.Status.CANCELLED
    last.save()
    first = _book(plan, local(2027, 4, 3, 9))
    assert first.session_number == 2 and first.start == local(2027, 4, 3, 9)


def test_staff_book_after_the_window_only_with_a_recorded_reason(alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, local(2027, 1, 2, 10), anna)
    with pytest.raises(SchedulingError) as error:
        _book(plan, local(2027, 2, 20, 10), by=anna.user)
    assert error.value.code == "override_reason_required"
    late = _book(plan, local(2027, 2, 20, 10), by=anna.user, override_reason="Client was abroad")
    assert (late.session_number, late.window_override_reason) == (2, "Client was abroad")
