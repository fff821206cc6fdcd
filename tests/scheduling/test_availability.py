"""The availability engine: working hours, breaks, time off, closures, buffers, rooms, notice,
horizon, daylight saving, filters, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scheduling.models import Appointment, Closure, Room, TimeOff, WorkingHours
from scheduling.plans.windows import Window
from scheduling.resources.availability import available_slots
from spa.lib.time import local_datetime
from tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory
from treatments.models import Service

MONDAY = dt.date(2027, 3, 1)
FRIDAY_BEFORE = local_datetime(dt.date(2027, 2, 26), dt.time(12))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local_datetime(day, dt.time(hour, minute))


def clock(slots) -> list[str]:
    return [f"{s.start:%H:%M}" for s in slots]


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")  # 60 min + 15 min buffer


def slots_on(day: dt.date, service: Service, **kwargs):
    kwargs.setdefault("now", FRIDAY_BEFORE)
    return available_slots(service=service, start_date=day, end_date=day, **kwargs)


def test_slots_step_every_fifteen_minutes_inside_working_hours_around_lunch(anna, face):
    times = clock(slots_on(MONDAY, face))
    assert times[0] == "09:00"
    assert "09:15" in times
    # The session must end by the 13:00 lunch break; its buffer may run into lunch.
    assert "12:00" in times
    assert "12:15" not in times
    assert not [t for t in times if t.startswith("13:")]
    assert times[-1] == "17:00"
    assert len(times) == 26


def test_a_slot_carries_practitioner_end_buffer_and_free_rooms(anna, face):
    slot = slots_on(MONDAY, face)[0]
    assert slot.practitioner_id == anna.pk
    assert slot.practitioner_name == "Anna"
    assert slot.end - slot.start == dt.timedelta(minutes=60)
    assert slot.blocked_until - slot.start == dt.timedelta(minutes=75)
    assert len(slot.room_ids) == 2
    assert str(slot.start.tzinfo) == "Europe/London"


def test_no_slots_on_sunday_when_nobody_works(anna, face):
    assert slots_on(dt.date(2027, 3, 7), face) == []


def test_time_off_removes_every_slot_whose_blocked_range_touches_it(anna, face):
    TimeOff.objects.create(practitioner=anna, start=at(MONDAY, 10), end=at(MONDAY, 11), reason="dentist")
    times = clock(slots_on(MONDAY, face))
    # [s, s + 75 min) must not overlap 10:00–11:00: 08:45 would be the last before it.
    assert [t for t in times if t < "13:00"] == ["11:00", "11:15", "11:30", "11:45", "12:00"]


def test_a_closure_day_has_no_slots(anna, face):
    Closure.objects.create(start_date=MONDAY, end_date=MONDAY, reason="Staff training")
    assert slots_on(MONDAY, face) == []
    assert slots_on(MONDAY + dt.timedelta(days=1), face)


def test_an_appointment_blocks_its_buffer_too(anna, face):
    AppointmentFactory(practitioner=anna, room=Room.objects.get(name="Room 1"), service=face, start=at(MONDAY, 10))
    times = clock(slots_on(MONDAY, face))
    # Blocked 10:00–11:15; a slot before must be clear by 10:00 (start + 75 min), so 08:45 at best.
    assert [t for t in times if t < "13:00"] == ["11:15", "11:30", "11:45", "12:00"]


def test_cancelled_appointments_free_their_time(anna, face):
    AppointmentFactory(practitioner=anna, service=face, start=at(MONDAY, 10), status=Appointment.Status.CANCELLED)
    assert "10:00" in clock(slots_on(MONDAY, face))


def test_no_slot_when_every_room_is_taken(anna, face):
    ben = PractitionerFactory(display_name="Ben", user__email="ben@example.com")
    for room in Room.objects.all():
        other = PractitionerFactory(display_name=f"Other {room.pk}")
        AppointmentFactory(practitioner=other, room=room, service=face, start=at(MONDAY, 10))
    slots = slots_on(MONDAY, face)
    for who in (anna.pk, ben.pk):
        assert "10:00" not in clock(s for s in slots if s.practitioner_id == who)
        assert "11:15" in clock(s for s in slots if s.practitioner_id == who)


def test_free_rooms_exclude_a_room_in_use(anna, face):
    other = PractitionerFactory(display_name="Other")
    room1 = Room.objects.get(name="Room 1")
    AppointmentFactory(practitioner=other, room=room1, service=face, start=at(MONDAY, 10))
    slot = next(s for s in slots_on(MONDAY, face, practitioner=anna) if s.start == at(MONDAY, 10))
    assert room1.pk not in slot.room_ids


def test_minimum_notice_hides_slots_too_soon_unless_not_enforced(anna, face, settings):
    settings.SPA_MIN_NOTICE_HOURS = 2
    now = at(MONDAY, 9, 30)
    assert clock(slots_on(MONDAY, face, now=now))[0] == "11:30"
    assert clock(slots_on(MONDAY, face, now=now, enforce_notice=False))[0] == "09:30"


def test_horizon_hides_days_too_far_ahead(anna, face, settings):
    settings.SPA_HORIZON_DAYS = 3  # Friday + 3 days = Monday
    slots = available_slots(service=face, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=2), now=FRIDAY_BEFORE)
    assert {s.start.date() for s in slots} == {MONDAY}


def test_practitioners_who_do_not_perform_the_service_are_not_offered(anna, face):
    body = Service.objects.get(slug="microneedling-body")
    anna.services.set([body])
    assert slots_on(MONDAY, face) == []
    assert slots_on(MONDAY, body)


def test_inactive_practitioners_are_not_offered(anna, face):
    anna.active = False
    anna.save()
    assert slots_on(MONDAY, face) == []


def test_min_depth_excludes_practitioners_below_it(anna, face):
    ben = PractitionerFactory(display_name="Ben", max_depth_mm=Decimal("1.00"))
    deep = slots_on(MONDAY, face, min_depth_mm=Decimal("1.50"))
    assert {s.practitioner_id for s in deep} == {anna.pk}
    shallow = slots_on(MONDAY, face, min_depth_mm=Decimal("0.50"))
    assert {s.practitioner_id for s in shallow} == {anna.pk, ben.pk}


def test_practitioner_filter_and_order_by_position(anna, face):
    ben = PractitionerFactory(display_name="Ben", position=5)
    slots = slots_on(MONDAY, face)
    assert [s.practitioner_id for s in slots[:2]] == [anna.pk, ben.pk]
    assert {s.practitioner_id for s in slots_on(MONDAY, face, practitioner=ben)} == {ben.pk}


def test_window_restricts_the_local_dates(anna, face):
    window = Window(number=2, start=MONDAY + dt.timedelta(days=1), end=MONDAY + dt.timedelta(days=2))
    slots = available_slots(
        service=face, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=6), window=window, now=FRIDAY_BEFORE
    )
    assert {s.start.date() for s in slots} == {MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)}


def test_excluded_appointment_does_not_block(anna, face):
    appointment = AppointmentFactory(practitioner=anna, service=face, start=at(MONDAY, 10))
    assert "10:00" in clock(slots_on(MONDAY, face, exclude_appointment_id=appointment.pk))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (dt.date(2027, 3, 27), dt.date(2027, 3, 29)),  # clocks go forward on Sunday 28 March
        (dt.date(2027, 10, 30), dt.date(2027, 11, 1)),  # clocks go back on Sunday 31 October
    ],
)
def test_nine_oclock_is_nine_oclock_local_on_both_sides_of_a_daylight_saving_change(anna, face, before, after):
    sunday = before + dt.timedelta(days=1)
    WorkingHours.objects.create(practitioner=anna, weekday=6, start_time=dt.time(9), end_time=dt.time(12))
    now = local_datetime(before - dt.timedelta(days=2), dt.time(12))
    slots = available_slots(service=face, start_date=before, end_date=after, now=now)
    firsts = {}
    for slot in slots:
        firsts.setdefault(slot.start.date(), slot)
    assert set(firsts) == {before, sunday, after}
    for slot in firsts.values():
        assert (slot.start.hour, slot.start.minute) == (9, 0)
        assert slot.end - slot.start == dt.timedelta(minutes=60)
        # Every slot of the day is a quarter-hour of local wall-clock time.
    assert all(s.start.minute % 15 == 0 for s in slots)
    offsets = {day: firsts[day].start.utcoffset() for day in firsts}
    assert offsets[before] != offsets[after]
    assert offsets[sunday] == offsets[after]
    # The last afternoon slot still ends at 18:00 local on the day after the change.
    assert max(s.start for s in slots if s.start.date() == after).strftime("%H:%M") == "17:00"


@pytest.mark.parametrize(("people", "days"), [(1, 1), (1, 28), (8, 1), (8, 28)])
def test_query_count_is_constant_whatever_the_range_or_staff(rules, face, people, days, django_assert_max_num_queries):
    for n in range(4):
        RoomFactory(name=f"Room {n + 1}")
    staff = [PractitionerFactory(display_name=f"P{n}") for n in range(people)]
    for n, who in enumerate(staff):
        AppointmentFactory(practitioner=who, service=face, start=at(MONDAY + dt.timedelta(days=n % days), 10))
        TimeOff.objects.create(practitioner=who, start=at(MONDAY, 14), end=at(MONDAY, 15))
    Closure.objects.create(start_date=MONDAY + dt.timedelta(days=2), end_date=MONDAY + dt.timedelta(days=2), reason="x")
    with django_assert_max_num_queries(6):
        slots = available_slots(
            service=face, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=days - 1), now=FRIDAY_BEFORE
        )
    assert slots


def test_a_working_interval_spanning_the_spring_forward_gap_has_no_duplicate_or_missing_instants(anna, face):
    sunday = dt.date(2027, 3, 28)  # 01:00 GMT becomes 02:00 BST
    WorkingHours.objects.create(practitioner=anna, weekday=6, start_time=dt.time(0), end_time=dt.time(4))
    slots = available_slots(
        service=face, start_date=sunday, end_date=sunday, now=local_datetime(sunday, dt.time(0)) - dt.timedelta(days=2)
    )
    starts = [s.start for s in slots]
    assert len(starts) == len(set(starts))
    assert [f"{s:%H:%M}" for s in starts][:5] == ["00:00", "00:15", "00:30", "00:45", "02:00"]
    # The session still ends by 04:00 local.
    assert max(starts).strftime("%H:%M") == "03:00"


def test_a_buffer_running_past_the_fall_back_change_ends_at_the_right_instant(anna, face):
    # Inside a working interval datetimes are made by adding minutes to its first one; a buffer
    # running past the interval (and past the change) must still be the right instant.
    sunday = dt.date(2027, 10, 31)  # 02:00 BST becomes 01:00 GMT
    WorkingHours.objects.create(practitioner=anna, weekday=6, start_time=dt.time(0), end_time=dt.time(1, 45))
    slots = available_slots(
        service=face, start_date=sunday, end_date=sunday, now=local_datetime(sunday, dt.time(0)) - dt.timedelta(days=2)
    )
    last = slots[-1]
    assert [f"{s.start:%H:%M}" for s in slots] == ["00:00", "00:15", "00:30", "00:45"]
    assert last.end.isoformat() == "2027-10-31T01:45:00+01:00"
    # 75 minutes after 00:45 BST: the second 01:00 of that night, in GMT.
    assert last.blocked_until.isoformat() == "2027-10-31T01:00:00+00:00"
    assert last.blocked_until.timestamp() == dt.datetime(2027, 10, 31, 1, 0, tzinfo=dt.UTC).timestamp()
