"""What the availability engine reads: four ``values_list`` queries whatever the range or the
number of practitioners, turned into plain values (times of day, dates, integer minutes).

1. working hours joined with the practitioners who may be offered;
2. closure dates;
3. active rooms, in order;
4. time off united with every active appointment (rooms are shared), as epoch seconds computed
   by the database, then ranges of forbidden starts (``scheduling/free_time.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import BigIntegerField, Func, Value

from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
from scheduling.resources.free_time import Ranges, forbidden_starts
from treatments.models import Service


def staff_and_hours(
    *, service: Service, practitioner: Practitioner | int | None, min_depth_mm: Decimal | None
) -> tuple[list[tuple[int, str]], dict[tuple[int, int], list[tuple[dt.time, dt.time]]]]:
    """Query 1: the working intervals of active practitioners who perform the service (and may
    needle deep enough), with their names in position order. Somebody without working hours
    offers nothing, so is left out here."""
    rows = WorkingHours.objects.filter(practitioner__active=True, practitioner__services=service)
    if practitioner is not None:
        rows = rows.filter(practitioner_id=getattr(practitioner, "pk", practitioner))
    if min_depth_mm is not None:
        rows = rows.filter(practitioner__max_depth_mm__gte=min_depth_mm)
    rows = rows.order_by(
        "practitioner__position", "practitioner__display_name", "practitioner_id", "weekday", "start_time"
    )
    staff: dict[int, str] = {}
    hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for pid, name, weekday, start_time, end_time in rows.values_list(
        "practitioner_id", "practitioner__display_name", "weekday", "start_time", "end_time"
    ):
        staff.setdefault(pid, name)
        hours[pid, weekday].append((start_time, end_time))
    return list(staff.items()), hours


def closed_dates(start_date: dt.date, end_date: dt.date) -> set[dt.date]:
    """Query 2: closure dates inside the range."""
    closed: set[dt.date] = set()
    for first, last in Closure.objects.filter(start_date__lte=end_date, end_date__gte=start_date).values_list(
        "start_date", "end_date"
    ):
        day = max(first, start_date)
        while day <= min(last, end_date):
            closed.add(day)
            day += dt.timedelta(days=1)
    return closed


class Epoch(Func):
    """Whole seconds since the Unix epoch of a datetime column (floored), computed by the
    database: thousands of rows then cost no datetime objects in Python."""

    output_field = BigIntegerField()
    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return self.as_sql(compiler, connection, template="CAST(unixepoch(%(expressions)s) AS INTEGER)", **extra)


class Busy(NamedTuple):
    people: dict[int, Ranges]  # forbidden starts of each practitioner
    rooms: list[tuple[int, Ranges]]  # forbidden starts of each active room, in room order
    no_room: Ranges  # starts at which every room is forbidden


def busy_ranges(
    *,
    ids: list[int],
    first: int,
    last: int,
    blocked: int,
    exclude_appointment_id: int | None,
    ignore_appointments: bool,
) -> Busy | None:
    """Queries 3–4: rooms, then time off and appointments (of everybody: rooms are shared), as
    ranges of forbidden starts in minutes. ``None`` when no room is active."""
    range_start, range_end = (
        dt.datetime.fromtimestamp(first * 60, tz=dt.UTC),
        dt.datetime.fromtimestamp(last * 60, tz=dt.UTC),
    )
    room_ids = list(Room.objects.filter(active=True).order_by("position", "name").values_list("id", flat=True))
    if not room_ids:
        return None
    # One round trip for both: time off (no room) and the active appointments of everybody.
    rows = (
        TimeOff.objects.filter(practitioner_id__in=ids, start__lt=range_end, end__gt=range_start)
        .annotate(no_room=Value(None, output_field=BigIntegerField()), s=Epoch("start"), e=Epoch("end"))
        .values_list("practitioner_id", "no_room", "s", "e")
        .order_by()
    )
    if not ignore_appointments:
        appointments = Appointment.objects.filter(
            status__in=Appointment.ACTIVE_STATUSES, start__lt=range_end, blocked_until__gt=range_start
        )
        if exclude_appointment_id is not None:
            appointments = appointments.exclude(pk=exclude_appointment_id)
        held = appointments.annotate(s=Epoch("start"), e=Epoch("blocked_until"))
        # (order_by() after the union too: TimeOff's default ordering would otherwise apply.)
        rows = rows.union(held.values_list("practitioner_id", "room_id", "s", "e").order_by(), all=True).order_by()
    person: dict[int, list[tuple[int, int]]] = defaultdict(list)
    room: dict[int, list[tuple[int, int]]] = defaultdict(list)
    # Plain integers: run the compiled SQL directly, without a converter call per row.
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for pid, room_id, start, end in fetched:
        interval = (start // 60, -(-end // 60))  # whole seconds to minutes: floor start, ceil end
        person[pid].append(interval)
        if room_id is not None:
            room[room_id].append(interval)
    rooms = [(r, forbidden_starts(room.get(r, ()), blocked)) for r in room_ids]
    no_room = rooms[0][1]
    for _r, taken in rooms[1:]:
        no_room = no_room.intersection(taken)
    return Busy({pid: forbidden_starts(person.get(pid, ()), blocked) for pid in ids}, rooms, no_room)
