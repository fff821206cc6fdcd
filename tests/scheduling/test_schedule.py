"""The staff schedule: day grid by practitioner and by room, daylight saving, the week, screening
flags, the schedule API, check-in and no-show over the API, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import Appointment, Closure, Room, TimeOff
from scheduling.resources.schedule import day_schedule, week_schedule
from tests.factories import PractitionerFactory, RoomFactory, make_client, submit_intake
from tests.scheduling.staff_support import DAY, appointment, local


@pytest.fixture
def ben(anna):
    return PractitionerFactory(user__email="ben@example.com", user__first_name="Ben", display_name="Ben", position=1)


def _placed(schedule) -> dict[int, tuple[str, int, int]]:
    """Appointment id → (row label, column index, rowspan) as laid out on the grid."""
    placed = {}
    for row in schedule.rows:
        for index, cell in enumerate(row.cells):
            if cell.entry:
                placed[cell.entry.appointment.pk] = (row.label, index, cell.rowspan)
    return placed


def test_day_grid_by_practitioner_puts_each_appointment_in_its_column_and_rows(alice, bob, anna, ben):
    a = appointment(alice, anna, local(DAY, 10))
    b = appointment(bob, ben, local(DAY, 14, 30), room=Room.objects.get(name="Room 2"))
    schedule = day_schedule(day=DAY, by="practitioner")
    assert [c.name for c in schedule.columns] == ["Anna", "Ben"]
    placed = _placed(schedule)
    # 60-minute sessions span four 15-minute rows.
    assert placed[a.pk] == ("10:00", 0, 4)
    assert placed[b.pk] == ("14:30", 1, 4)
    assert schedule.rows[0].label == "08:00"
    assert schedule.rows[-1].label == "19:45"


def test_day_grid_by_room_uses_the_rooms(alice, bob, anna, ben):
    a = appointment(alice, anna, local(DAY, 10), room=Room.objects.get(name="Room 2"))
    b = appointment(bob, ben, local(DAY, 10), room=Room.objects.get(name="Room 1"))
    schedule = day_schedule(day=DAY, by="room")
    assert [c.name for c in schedule.columns] == ["Room 1", "Room 2"]
    placed = _placed(schedule)
    assert placed[a.pk] == ("10:00", 1, 4)
    assert placed[b.pk] == ("10:00", 0, 4)


def test_cancelled_and_no_shows_stay_off_the_grid_and_other_days_are_left_out(alice, bob, anna):
    cancelled = appointment(alice, anna, local(DAY, 10), status=Appointment.Status.CANCELLED)
    appointment(bob, anna, local(DAY + dt.timedelta(days=1), 10))
    schedule = day_schedule(day=DAY)
    assert _placed(schedule) == {}
    assert [e.appointment for e in schedule.off_grid] == [cancelled]


def test_early_and_late_appointments_widen_the_grid(alice, anna):
    appointment(alice, anna, local(DAY, 7, 30))
    schedule = day_schedule(day=DAY)
    assert schedule.rows[0].label == "07:30"


def test_day_view_on_the_autumn_clock_change_keeps_local_times(alice, bob, anna):
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT (a 25-hour day).
    sunday = dt.date(2026, 10, 25)
    early = appointment(alice, anna, local(sunday, 0, 30))
    ten = appointment(bob, anna, local(sunday, 10))
    appointment(bob, anna, local(sunday - dt.timedelta(days=1), 23, 0))
    schedule = day_schedule(day=sunday)
    placed = _placed(schedule)
    assert placed[ten.pk][0] == "10:00"
    assert placed[early.pk][0] == "00:30"
    assert len(placed) == 2
    labels = [r.label for r in schedule.rows]
    # The repeated hour 01:00–02:00 shows twice; the grid still ends at 20:00 local.
    assert labels.count("01:15") == 2
    assert labels[-1] == "19:45"


def test_day_view_on_the_spring_clock_change_has_no_0130(alice, anna):
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST (a 23-hour day).
    sunday = dt.date(2026, 3, 29)
    a = appointment(alice, anna, local(sunday, 0, 30), status=Appointment.Status.COMPLETED)
    schedule = day_schedule(day=sunday)
    labels = [r.label for r in schedule.rows]
    assert "01:30" not in labels
    assert labels[labels.index("00:45") + 1] == "02:00"
    # 00:30–01:30 local wall time is only 60 minutes of real time: four rows.
    assert _placed(schedule)[a.pk] == ("00:30", 0, 4)


def test_day_grid_shades_hours_off_lunch_and_time_off(anna):
    TimeOff.objects.create(practitioner=anna, start=local(DAY, 16), end=local(DAY, 18))
    schedule = day_schedule(day=DAY)
    off = {row.label: row.cells[0].off for row in schedule.rows}
    assert off["08:45"] and not off["09:00"] and not off["12:45"]
    assert off["13:00"] and off["13:45"] and not off["14:00"]
    assert not off["15:45"] and off["16:00"] and off["19:45"]
    assert schedule.closure is None


def test_day_grid_on_a_closure_is_all_off_and_says_why(anna):
    Closure.objects.create(start_date=DAY, end_date=DAY, reason="Refit")
    schedule = day_schedule(day=DAY)
    assert all(row.cells[0].off for row in schedule.rows)
    assert schedule.closure.reason == "Refit"


def test_a_signed_intake_without_consent_is_flagged(anna):
    unsigned = make_client("dora@example.com", screened=False)
    submit_intake(unsigned)
    a = appointment(unsigned, anna, local(DAY, 10))
    (entry,) = day_schedule(day=DAY).entries
    assert entry.appointment == a
    assert [f["code"] for f in entry.flags] == ["consent"]


def test_week_view_groups_appointments_by_day(alice, bob, anna, ben):
    a = appointment(alice, anna, local(DAY, 10))
    b = appointment(bob, ben, local(DAY + dt.timedelta(days=2), 9))
    week = week_schedule(day=DAY, by="practitioner")
    assert week.monday == dt.date(2027, 3, 1)
    lines = {column.name: days for column, days in week.lines}
    assert [e.appointment for e in lines["Anna"][2]] == [a]
    assert [e.appointment for e in lines["Ben"][4]] == [b]


def test_flags_show_screening_reasons_and_staff_flags(alice, bob, anna):
    submit_intake(alice, {"diabetes"})
    unscreened = make_client("carol@example.com", screened=False)
    a = appointment(alice, anna, local(DAY, 10), staff_flag="Outside its window")
    c = appointment(unscreened, anna, local(DAY, 12))
    b = appointment(bob, anna, local(DAY, 15))
    entries = {e.appointment.pk: e for e in day_schedule(day=DAY).entries}
    assert {f["code"] for f in entries[a.pk].flags} == {"diabetes", "staff_flag"}
    assert entries[a.pk].screening_status == "staff_review"
    assert "missing" in {f["code"] for f in entries[c.pk].flags}
    assert entries[b.pk].flags == []


# --- Pages ---------------------------------------------------------------------------------------


def test_schedule_page_shows_the_grid_navigation_and_feed(client, alice, anna):
    submit_intake(alice, {"diabetes"})
    appointment(alice, anna, local(DAY, 10))
    client.force_login(anna.user)
    page = client.get(reverse("scheduling:staff_schedule"), {"date": DAY.isoformat(), "by": "practitioner"}).text
    assert "Alice Archer" in page
    assert 'rowspan="4"' in page
    assert "Diabetes" in page
    assert "?date=2027-03-02&amp;by=practitioner" in page
    assert "?date=2027-03-04&amp;by=practitioner" in page
    assert f"/calendar/{anna.calendar_token}.ics" in page


def test_schedule_page_by_room_and_a_bad_date_falls_back_to_today(client, alice, anna, desk):
    appointment(alice, anna, local(DAY, 10))
    client.force_login(desk)
    page = client.get(reverse("scheduling:staff_schedule"), {"date": DAY.isoformat(), "by": "room"})
    assert [c.name for c in page.context["schedule"].columns] == ["Room 1", "Room 2"]
    page = client.get(reverse("scheduling:staff_schedule"), {"date": "2027-02-31"})
    assert page.status_code == 200
    assert "not understood" in page.text


def test_week_page_lists_the_week(client, alice, anna):
    appointment(alice, anna, local(DAY, 10))
    client.force_login(anna.user)
    page = client.get(reverse("scheduling:staff_week"), {"date": DAY.isoformat()}).text
    assert "Alice Archer" in page
    assert "Week of Monday 1 March 2027" in page


def _fill_day(count: int, batch: str) -> None:
    """``count`` appointments of different clients over five practitioners and five rooms."""
    practitioners = [
        PractitionerFactory(user__email=f"p{i}{batch}@example.com", display_name=f"P{i}{batch}", hours=False)
        for i in range(5)
    ]
    rooms = [RoomFactory(name=f"Room {batch}{i + 1}") for i in range(5)]
    for n in range(count):
        person = make_client(f"client{n}{batch}@example.com")
        if n % 3 == 0:
            submit_intake(person, {"diabetes"})
        # 80 minutes apart: a 60-minute session and its 15-minute buffer never overlap the next.
        start = local(DAY, 7) + dt.timedelta(minutes=80 * (n // 5))
        appointment(person, practitioners[n % 5], start, room=rooms[n % 5])


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("scheduling:staff_schedule", {"date": DAY.isoformat()}),
        ("scheduling:staff_schedule", {"date": DAY.isoformat(), "by": "room"}),
        ("scheduling:staff_week", {"date": DAY.isoformat()}),
    ],
)
def test_schedule_pages_run_a_constant_number_of_queries(client, anna, name, params, django_assert_max_num_queries):
    client.force_login(anna.user)
    url = reverse(name)
    _fill_day(1, "a")
    one = _queries(client, url, params)
    _fill_day(50, "b")
    assert Appointment.objects.count() == 51
    with django_assert_max_num_queries(one):
        client.get(url, params)
    assert one <= 14


def test_schedule_api_runs_a_constant_number_of_queries(client, anna, django_assert_max_num_queries, desk):
    client.force_login(desk)
    url = reverse("api-schedule")
    _fill_day(1, "a")
    one = _queries(client, url, {"date": DAY.isoformat()})
    _fill_day(50, "b")
    with django_assert_max_num_queries(one):
        body = client.get(url, {"date": DAY.isoformat()}).json()
    assert len(body["appointments"]) == 51
    assert one <= 10


# --- API -------------------------------------------------------------------------------------------


def test_schedule_api_lists_the_day_with_flags(client, alice, bob, anna, ben, desk):
    submit_intake(alice, {"diabetes"})
    a = appointment(alice, anna, local(DAY, 10), plan=None)
    appointment(bob, ben, local(DAY, 11), room=Room.objects.get(name="Room 2"))
    appointment(bob, anna, local(DAY + dt.timedelta(days=1), 11))
    client.force_login(desk)
    body = client.get(reverse("api-schedule"), {"date": DAY.isoformat()}).json()
    assert body["date"] == DAY.isoformat()
    assert len(body["appointments"]) == 2
    first = body["appointments"][0]
    assert first["id"] == a.pk
    assert first["start"] == "2027-03-03T10:00:00Z"
    assert first["client"] == {"id": alice.pk, "name": "Alice Archer"}
    assert first["practitioner"] == {"id": anna.pk, "name": "Anna"}
    assert first["room"] == "Room 1"
    assert first["service"] == "microneedling-face"
    assert first["screening_status"] == "staff_review"
    assert [f["code"] for f in first["flags"]] == ["diabetes"]
    only_ben = client.get(reverse("api-schedule"), {"date": DAY.isoformat(), "practitioner": ben.pk}).json()
    assert [row["practitioner"]["name"] for row in only_ben["appointments"]] == ["Ben"]


@pytest.mark.parametrize("params", [{"date": "2027-02-30"}, {"date": "tomorrow"}, {"practitioner": "999999"}])
def test_schedule_api_refuses_bad_parameters(client, anna, params):
    client.force_login(anna.user)
    response = client.get(reverse("api-schedule"), params)
    assert response.status_code == 400
    assert set(response.json()) & {"date", "practitioner"}


def test_clients_and_anonymous_get_403_from_the_staff_api(client, alice, bob, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    urls = [
        ("get", reverse("api-schedule")),
        ("post", reverse("api-appointment-check-in", args=[appt.pk])),
        ("post", reverse("api-appointment-no-show", args=[appt.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code in (401, 403)
    for person in (alice, bob):
        client.force_login(person)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 403
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_check_in_over_the_api(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    url = reverse("api-appointment-check-in", args=[appt.pk])
    with time_machine.travel(local(DAY, 9, 50), tick=False):
        client.force_login(anna.user)
        partly = client.post(url, {"day_of": {"pregnancy": "no"}}, content_type="application/json")
        assert partly.status_code == 400 and "infection" in partly.json()["day_of"]
        all_no = {"pregnancy": "no", "infection": False, "medication": "no", "sunburn": False, "procedures": "no"}
        response = client.post(url, {"day_of": all_no}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["status"] == "checked_in"
        again = client.post(url, {"day_of": all_no}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["code"] == "wrong_status"


def test_no_show_over_the_api_only_after_the_start(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    url = reverse("api-appointment-no-show", args=[appt.pk])
    with time_machine.travel(local(DAY, 9, 50), tick=False):
        client.force_login(anna.user)
        early = client.post(url)
    assert early.status_code == 400
    assert early.json()["code"] == "no_show_too_early"
    with time_machine.travel(local(DAY, 10, 30), tick=False):
        client.force_login(anna.user)
        response = client.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


def test_staff_api_on_an_unknown_appointment_is_404(client, anna):
    client.force_login(anna.user)
    assert client.post(reverse("api-appointment-check-in", args=[999999])).status_code == 404
