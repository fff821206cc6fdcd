"""Property test: the minute-and-bitmap engine agrees with a plain reference implementation
(``availability_reference.py``) on random schedules, including across both daylight-saving
changes of Europe/London in 2027 (28 March, 31 October)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.models import Appointment, Closure, Room, TimeOff, WorkingHours
from scheduling.resources.availability import available_days, free_starts
from spa.lib.time import local_datetime
from tests.factories import PractitionerFactory, ServiceFactory, UserFactory
from tests.scheduling.availability_reference import reference_slots

FIRST_DAYS = [dt.date(2027, 3, 26), dt.date(2027, 10, 29), dt.date(2027, 6, 10)]  # two DST weekends, one plain
SPAN_DAYS = 4
PEOPLE = 3
STATUSES = [Appointment.Status.BOOKED, Appointment.Status.COMPLETED, Appointment.Status.CANCELLED]

mostly = st.sampled_from([True, True, True, False])  # active, performs the service, room open
# Working intervals: start quarter-hour and length in quarters; often the small hours of a DST
# Sunday (00:00–04:00 spans the change at 01:00), often office hours.
interval = st.tuples(
    st.sampled_from([0, 2, 4, 36, 37, 56]) | st.integers(min_value=0, max_value=95),
    st.sampled_from([16, 20, 36]) | st.integers(min_value=1, max_value=40),
)
schedule = st.fixed_dictionaries(
    {
        "first_day": st.sampled_from(FIRST_DAYS),
        "duration": st.sampled_from([30, 45, 60, 90]),
        "buffer": st.sampled_from([0, 10, 15]),
        "step": st.sampled_from([10, 15, 30]),
        "notice": st.sampled_from([0, 2]),
        "enforce_notice": st.booleans(),
        "now_minutes": st.integers(min_value=-3 * 24 * 60, max_value=2 * 24 * 60),
        "now_seconds": st.integers(min_value=0, max_value=59),
        # Per practitioner: active, performs the service, depth, position, hours by weekday.
        "people": st.lists(
            st.tuples(
                mostly,
                mostly,
                st.sampled_from(["1.00", "2.00"]),
                st.integers(min_value=0, max_value=2),
                st.dictionaries(st.integers(0, 6), st.lists(interval, min_size=1, max_size=2), min_size=3, max_size=7),
            ),
            min_size=PEOPLE,
            max_size=PEOPLE,
        ),
        "rooms": st.lists(mostly, max_size=2),
        # (practitioner, room, start minute from the first day's 00:00 UTC, length, buffer, status)
        "appointments": st.lists(
            st.tuples(
                st.integers(0, PEOPLE - 1),
                st.integers(0, 2),
                st.integers(0, SPAN_DAYS * 24 * 12).map(lambda n: n * 5),
                st.sampled_from([30, 60, 75]),
                st.sampled_from([0, 15]),
                st.sampled_from(STATUSES),
            ),
            max_size=14,
        ),
        # (practitioner, start minute, length in minutes, extra seconds at the end)
        "time_off": st.lists(
            st.tuples(
                st.integers(0, PEOPLE - 1),
                st.integers(0, SPAN_DAYS * 24 * 60),
                st.integers(1, 8 * 60),
                st.integers(0, 59),
            ),
            max_size=3,
        ),
        "closed_day": st.none() | st.integers(0, SPAN_DAYS),
        "only": st.none() | st.none() | st.integers(0, PEOPLE - 1),
        "min_depth": st.none() | st.just("1.50"),
        "exclude": st.none() | st.integers(0, 13),
    }
)


@pytest.fixture
def world(rules):
    """Three practitioners without hours, three rooms and a pool of clients, reused by every
    example (each example writes inside a transaction it rolls back)."""
    people = [PractitionerFactory(display_name=f"P{n}", hours=False) for n in range(PEOPLE)]
    rooms = [Room.objects.create(name=f"Room {n}", position=n) for n in range(3)]
    clients = [UserFactory(email=f"c{n}@example.com") for n in range(14)]
    return people, rooms, clients


def _time(quarters: int) -> dt.time:
    quarters = min(quarters, 95)
    return dt.time(quarters // 4, quarters % 4 * 15)


def _build(case: dict, people: list, rooms: list, clients: list) -> dict:
    service = ServiceFactory(duration_minutes=case["duration"], buffer_minutes=case["buffer"])
    for n, (person, (active, performs, depth, position, hours)) in enumerate(zip(people, case["people"], strict=True)):
        active, performs = active or n == 0, performs or n == 0
        person.active, person.max_depth_mm, person.position = active, Decimal(depth), position
        person.save()
        if performs:
            person.services.add(service)
        for weekday, spans in hours.items():
            for start, length in spans:
                end = min(start + length, 95)
                if end > start:
                    WorkingHours.objects.create(
                        practitioner=person, weekday=weekday, start_time=_time(start), end_time=_time(end)
                    )
    # The first room and the first practitioner always take part, so most examples offer slots.
    for room, active in zip(rooms, [True, *case["rooms"], False, False], strict=False):
        room.active = active
        room.save()
    origin = dt.datetime.combine(case["first_day"], dt.time(), tzinfo=dt.UTC)
    held: list[tuple[int, int, dt.datetime, dt.datetime]] = []
    made = []
    for n, (who, room, minute, length, buffer, status) in enumerate(case["appointments"]):
        start = origin + dt.timedelta(minutes=minute)
        until = start + dt.timedelta(minutes=length + buffer)
        active = status in Appointment.ACTIVE_STATUSES
        # The database holds no double booking (exclusion constraints on PostgreSQL): skip those.
        if active and any((p == who or r == room) and s < until and start < u for p, r, s, u in held):
            continue
        if active:
            held.append((who, room, start, until))
        made.append(
            Appointment.objects.create(
                client=clients[n],
                practitioner=people[who],
                room=rooms[room],
                service=service,
                start=start,
                end=start + dt.timedelta(minutes=length),
                blocked_until=until,
                status=status,
            )
        )
    for who, minute, length, seconds in case["time_off"]:
        start = origin + dt.timedelta(minutes=minute)
        TimeOff.objects.create(
            practitioner=people[who], start=start, end=start + dt.timedelta(minutes=length, seconds=seconds)
        )
    if case["closed_day"] is not None:
        day = case["first_day"] + dt.timedelta(days=case["closed_day"])
        Closure.objects.create(start_date=day, end_date=day, reason="closed")
    exclude = case["exclude"]
    return {
        "service": service,
        "start_date": case["first_day"],
        "end_date": case["first_day"] + dt.timedelta(days=SPAN_DAYS),
        "now": local_datetime(case["first_day"], dt.time(12))
        + dt.timedelta(minutes=case["now_minutes"], seconds=case["now_seconds"]),
        "practitioner": people[case["only"]] if case["only"] is not None else None,
        "min_depth_mm": Decimal(case["min_depth"]) if case["min_depth"] else None,
        "enforce_notice": case["enforce_notice"],
        "exclude_appointment_id": made[exclude].pk if exclude is not None and exclude < len(made) else None,
    }


def _rows(slots: list) -> list[tuple]:
    return [
        (s.start.isoformat(), s.end.isoformat(), s.blocked_until.isoformat(), s.practitioner_id, s.room_ids)
        for s in slots
    ]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(case=schedule)
def test_the_engine_agrees_with_the_plain_reference_on_random_schedules(world, case):
    people, rooms, clients = world
    with (
        override_settings(SPA_SLOT_STEP_MINUTES=case["step"], SPA_MIN_NOTICE_HOURS=case["notice"]),
        transaction.atomic(),
    ):
        query = _build(case, people, rooms, clients)
        expected = reference_slots(**query)
        found = free_starts(**query)
        assert _rows(found.slots()) == _rows(expected)

        # The day summary: distinct start times per local date, and the first of them.
        days = {}
        for slot in expected:
            days.setdefault(slot.start.date(), set()).add(slot.start)
        del query["enforce_notice"]
        summaries = (
            available_days(**query)
            if case["enforce_notice"]
            else found.summaries(query["start_date"], query["end_date"])
        )
        assert [(d.date, d.count, d.first) for d in summaries if d.count] == [
            (day, len(starts), min(starts)) for day, starts in sorted(days.items())
        ]
        assert {d.date for d in summaries} == {query["start_date"] + dt.timedelta(days=n) for n in range(SPAN_DAYS + 1)}

        # The compact answer: local HH:MM by date and practitioner.
        clocks: dict = {}
        for slot in expected:
            clocks.setdefault(slot.start.date(), {}).setdefault(slot.practitioner_id, []).append(f"{slot.start:%H:%M}")
        # (Overlapping working intervals of one person give one time once.)
        expected_clocks = {day: {pid: sorted(set(times)) for pid, times in by.items()} for day, by in clocks.items()}
        assert {day: dict(by) for day, by in found.clock_times()} == expected_clocks
        transaction.set_rollback(True)


def test_the_reference_itself_sees_the_spring_forward_gap(world):
    """The reference is not vacuous: it offers the 00:00–04:00 interval across the change."""
    people, _rooms, _clients = world
    sunday = dt.date(2027, 3, 28)
    service = ServiceFactory(duration_minutes=60, buffer_minutes=15)
    people[0].services.add(service)
    WorkingHours.objects.create(practitioner=people[0], weekday=6, start_time=dt.time(0), end_time=dt.time(4))
    now = local_datetime(sunday, dt.time()) - dt.timedelta(days=2)
    slots = reference_slots(service=service, start_date=sunday, end_date=sunday, now=now)
    assert [f"{s.start:%H:%M}" for s in slots][:5] == ["00:00", "00:15", "00:30", "00:45", "02:00"]
    assert f"{slots[-1].start:%H:%M}" == "03:00"
