"""A no-show does not use up a plan session (scheduling/staff.py, windows.py, plans.py)."""

from __future__ import annotations

import datetime as dt

import time_machine

from scheduling.booking.services import book_appointment
from scheduling.care.attendance import mark_no_show
from scheduling.models import Appointment
from scheduling.plans.selectors import plan_timeline, suggested_depth
from tests.scheduling.booking_support import at, make_plan, monday


def test_a_no_show_gives_the_session_back_and_keeps_the_depth(alice, anna):
    plan = make_plan(alice)
    missed = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    with time_machine.travel(at(monday(), 11), tick=False):
        mark_no_show(appointment=missed, by=anna.user)
    rows = plan_timeline(plan, now=at(monday(), 12))
    assert rows[0].status == "to_book" and rows[0].appointment is None
    assert rows[0].window.start is None  # session 1 again: no window
    assert suggested_depth(plan=plan) == plan.depth_min_mm
    with time_machine.travel(at(monday(), 12), tick=False):
        again = book_appointment(
            client=alice, start=at(monday(1) + dt.timedelta(days=1), 10), plan=plan, booked_by=alice
        )
    assert again.session_number == 1
    assert Appointment.objects.get(pk=missed.pk).status == Appointment.Status.NO_SHOW


def test_a_no_show_before_a_booked_course_moves_the_later_bookings_up_one_session(alice, anna):
    plan = make_plan(alice)
    missed = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    second = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    third = book_appointment(client=alice, start=at(monday(10), 10), plan=plan, booked_by=alice)
    with time_machine.travel(at(monday(), 11), tick=False):
        mark_no_show(appointment=missed, by=anna.user)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.session_number, third.session_number) == (1, 2)
    assert second.start == at(monday(5), 10)  # nothing moves in time
    rows = plan_timeline(plan, now=at(monday(), 12))
    assert [row.status for row in rows] == ["booked", "booked", "to_book"]
    assert rows[2].window.start == monday(10) + dt.timedelta(weeks=4)
    assert suggested_depth(plan=plan) == plan.depth_min_mm
