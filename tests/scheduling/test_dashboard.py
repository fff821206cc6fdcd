"""The owner's dashboard on a small known dataset: bookings, utilisation, no-shows, late
cancellations and plan completion, this week and next."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from scheduling.dashboard import owner_dashboard
from scheduling.models import Appointment, Closure, Room, TimeOff, TreatmentPlan
from scheduling.plans.services import start_plan
from tests.factories import PractitionerFactory, RoomFactory, make_client
from tests.scheduling.staff_support import DAY, appointment, local

NOW = local(DAY, 8)  # Wednesday 3 March 2027
MONDAY = dt.date(2027, 3, 1)
NEXT_MONDAY = dt.date(2027, 3, 8)


@pytest.fixture
def dataset(alice, bob, anna):
    room1, room2 = Room.objects.get(name="Room 1"), Room.objects.get(name="Room 2")
    # This week: Anna works 6 × 8 h = 2880 min, minus Thursday afternoon off (240) = 2640.
    TimeOff.objects.create(
        practitioner=anna, start=local(MONDAY + dt.timedelta(days=3), 14), end=local(MONDAY + dt.timedelta(days=3), 18)
    )
    appointment(alice, anna, local(DAY, 10), room=room1)
    appointment(bob, anna, local(DAY, 14), room=room2, status=Appointment.Status.COMPLETED)
    appointment(alice, anna, local(MONDAY + dt.timedelta(days=4), 10), status=Appointment.Status.NO_SHOW)
    appointment(
        bob, anna, local(MONDAY + dt.timedelta(days=3), 10), status=Appointment.Status.CANCELLED, late_cancellation=True
    )
    appointment(alice, anna, local(MONDAY + dt.timedelta(days=1), 10), status=Appointment.Status.CANCELLED)
    # Next week: the spa is closed on Saturday (2880 − 480 = 2400 min); two bookings of 60 min.
    Closure.objects.create(
        start_date=NEXT_MONDAY + dt.timedelta(days=5), end_date=NEXT_MONDAY + dt.timedelta(days=5), reason="Refit"
    )
    appointment(alice, anna, local(NEXT_MONDAY, 10), room=room1)
    appointment(bob, anna, local(NEXT_MONDAY, 14), room=room1)
    # The week after: not counted.
    appointment(bob, anna, local(NEXT_MONDAY + dt.timedelta(days=7), 10))
    return anna


def _plan(email: str) -> TreatmentPlan:
    person = make_client(email)
    return start_plan(client=person, concern="fine_lines", area="cheeks", created_by=person, now=NOW)


@pytest.fixture
def plans(anna):
    completed, cancelled, overdue, on_track = (_plan(f"plan{i}@example.com") for i in range(4))
    TreatmentPlan.objects.filter(pk=completed.pk).update(status=TreatmentPlan.Status.COMPLETED)
    TreatmentPlan.objects.filter(pk=cancelled.pk).update(status=TreatmentPlan.Status.CANCELLED)
    # Session 1 ten weeks ago: session 2's window (4–6 weeks later) closed a month ago, unbooked.
    appointment(
        overdue.client,
        anna,
        local(DAY - dt.timedelta(weeks=10), 10),
        plan=overdue,
        session_number=1,
        service=overdue.service,
        status=Appointment.Status.COMPLETED,
    )
    # Session 1 three weeks ago: session 2's window has not closed.
    appointment(
        on_track.client,
        anna,
        local(DAY - dt.timedelta(weeks=3), 10),
        plan=on_track,
        session_number=1,
        service=on_track.service,
        status=Appointment.Status.COMPLETED,
    )


def test_this_week_counts_bookings_no_shows_and_late_cancellations(dataset):
    this_week, next_week = owner_dashboard(now=NOW).weeks
    assert this_week.monday == MONDAY
    assert this_week.bookings == 2
    assert this_week.no_shows == 1
    assert this_week.late_cancellations == 1
    assert this_week.cancellations == 2
    assert next_week.monday == NEXT_MONDAY
    assert next_week.bookings == 2
    assert next_week.no_shows == 0


def test_utilisation_is_booked_over_working_minutes(dataset):
    this_week, next_week = owner_dashboard(now=NOW).weeks
    (anna,) = this_week.practitioners
    assert (anna.booked_minutes, anna.available_minutes) == (120, 2640)
    assert anna.percent == 5
    rooms = {r.name: (r.booked_minutes, r.available_minutes) for r in this_week.rooms}
    assert rooms == {"Room 1": (60, 2640), "Room 2": (60, 2640)}
    (anna,) = next_week.practitioners
    assert (anna.booked_minutes, anna.available_minutes, anna.percent) == (120, 2400, 5)
    rooms = {r.name: r.booked_minutes for r in next_week.rooms}
    assert rooms == {"Room 1": 120, "Room 2": 0}


def test_plan_completion_and_drop_off(plans):
    figures = owner_dashboard(now=NOW).plans
    assert (figures.completed, figures.cancelled, figures.overdue, figures.on_track) == (1, 1, 1, 1)
    assert figures.completion_percent == 33
    assert figures.drop_off_percent == 67


def test_dashboard_page_is_staff_only_and_shows_the_figures(client, alice, dataset, plans, owner):
    url = reverse("scheduling:staff_dashboard")
    assert client.get(url).status_code == 302
    client.force_login(alice)
    assert client.get(url).status_code == 403
    with time_machine.travel(NOW, tick=False):
        client.force_login(owner)  # the dashboard is the owner's (spa.lib.roles)
        page = client.get(url).text
    assert "This week" in page
    assert "120 / 2640 min" in page
    assert "bar-w-5" in page
    assert "33%" in page
    assert 'style="' not in page


def test_dashboard_runs_a_constant_number_of_queries(client, dataset, plans, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        owner_dashboard(now=NOW)
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben")
    room = RoomFactory(name="Room 3")
    for n in range(30):
        start = local(DAY + dt.timedelta(days=n % 10), 9 + 2 * (n // 10))
        appointment(make_client(f"more{n}@example.com"), ben, start, room=room)
        _plan(f"moreplan{n}@example.com")
    with django_assert_max_num_queries(9):
        figures = owner_dashboard(now=NOW)
    assert sum(w.bookings for w in figures.weeks) == 4 + 30
