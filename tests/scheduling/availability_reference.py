"""A plain reference implementation of the availability rules, for the property test.

Written for clarity, not speed: it reads every row through the ORM and tests each candidate
start against each busy interval with aware datetimes (in UTC, so adding a duration is never
wall-clock arithmetic). The rules are the ones ``scheduling/availability.py`` states.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings

from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
from scheduling.resources.availability import Slot
from spa.lib.time import local_datetime, spa_zone
from treatments.models import Service


def candidate_starts(day: dt.date, start_time: dt.time, end_time: dt.time, *, step: int, duration: int) -> list:
    """UTC starts of one working interval whose session ends by its end (wall-clock steps)."""
    first, last = local_datetime(day, start_time), local_datetime(day, end_time)
    length = dt.timedelta(minutes=duration)
    if first.utcoffset() == last.utcoffset():
        starts, moment = [], first.astimezone(dt.UTC)
        while moment + length <= last:
            starts.append(moment)
            moment += dt.timedelta(minutes=step)
        return starts
    begin, stop = start_time.hour * 60 + start_time.minute, end_time.hour * 60 + end_time.minute
    instants = {local_datetime(day, dt.time(m // 60, m % 60)).astimezone(dt.UTC) for m in range(begin, stop, step)}
    return sorted(moment for moment in instants if moment + length <= last)


def _overlaps(start: dt.datetime, until: dt.datetime, intervals: list[tuple[dt.datetime, dt.datetime]]) -> bool:
    return any(s < until and start < e for s, e in intervals)


def reference_slots(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    now: dt.datetime,
    practitioner: Practitioner | None = None,
    min_depth_mm: Decimal | None = None,
    enforce_notice: bool = True,
    exclude_appointment_id: int | None = None,
) -> list[Slot]:
    zone = spa_zone()
    today = now.astimezone(zone).date()
    first_day = max(start_date, today)
    last_day = min(end_date, today + dt.timedelta(days=settings.SPA_HORIZON_DAYS))
    if not service.active:
        return []
    earliest = now + dt.timedelta(hours=settings.SPA_MIN_NOTICE_HOURS) if enforce_notice else now
    people = [
        person
        for person in Practitioner.objects.order_by("position", "display_name")
        if person.active
        and person.services.filter(pk=service.pk).exists()
        and (practitioner is None or person.pk == practitioner.pk)
        and (min_depth_mm is None or person.max_depth_mm >= min_depth_mm)
    ]
    rooms = list(Room.objects.filter(active=True).order_by("position", "name"))
    held = [
        a
        for a in Appointment.objects.all()
        if a.status in Appointment.ACTIVE_STATUSES and a.pk != exclude_appointment_id
    ]
    room_busy = {room.pk: [(a.start, a.blocked_until) for a in held if a.room_id == room.pk] for room in rooms}
    closures = list(Closure.objects.all())
    length = dt.timedelta(minutes=service.duration_minutes)
    blocked = dt.timedelta(minutes=service.duration_minutes + service.buffer_minutes)
    found = []
    day = first_day
    while day <= last_day:
        if not any(c.start_date <= day <= c.end_date for c in closures):
            for order, person in enumerate(people):
                busy = [(t.start, t.end) for t in TimeOff.objects.filter(practitioner=person)]
                busy += [(a.start, a.blocked_until) for a in held if a.practitioner_id == person.pk]
                hours = WorkingHours.objects.filter(practitioner=person, weekday=day.weekday()).order_by("start_time")
                for hour in hours:
                    for start in candidate_starts(
                        day,
                        hour.start_time,
                        hour.end_time,
                        step=settings.SPA_SLOT_STEP_MINUTES,
                        duration=service.duration_minutes,
                    ):
                        until = start + blocked
                        if start < earliest or _overlaps(start, until, busy):
                            continue
                        free = tuple(room.pk for room in rooms if not _overlaps(start, until, room_busy[room.pk]))
                        if free:
                            slot = Slot(
                                start.astimezone(zone),
                                (start + length).astimezone(zone),
                                (start + blocked).astimezone(zone),
                                person.pk,
                                person.display_name,
                                free,
                            )
                            found.append((start, order, slot))
        day += dt.timedelta(days=1)
    found.sort(key=lambda row: (row[0], row[1]))
    return [slot for _, _, slot in found]
