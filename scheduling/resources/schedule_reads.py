"""What the availability engine reads: ONE query whatever the range or the number of
practitioners, turned into plain values (times of day, dates, integer minutes).

The query is a ``UNION ALL`` of five plain selects, told apart by their first column:

0. working hours joined with the practitioners who may be offered (active, performing the
   service, optionally one of them, optionally deep enough);
1. closures overlapping the range, as day numbers;
2. active rooms;
3. time off in the range; 4. active appointments in the range (of everybody: rooms are shared),
   both as epoch seconds computed by the database, then ranges of forbidden starts
   (``scheduling/resources/free_time.py``).

Why SQL text and not the ORM: building and compiling the four querysets this replaced cost
about 1.4 ms of CPU per question, more than all the interval arithmetic after them, and each
extra round trip to the database is a wait (long on a busy machine). The text is made once per
database vendor and shape (is a practitioner, a depth, an excluded appointment asked?) from the
models' table and column names; the values go as parameters, prepared by the models' fields.
Hours and rooms carry their rank in the models' order (``ROW_NUMBER()``, so names sort by the
database's collation as an ``ORDER BY`` would), sorted in Python: the busy rows need no order.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections, models, router

from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
from scheduling.resources.free_time import Ranges, forbidden_starts

HOURS, CLOSURE, ROOM, TIME_OFF, APPOINTMENT = range(5)
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()

# Per vendor: whole epoch seconds of a datetime column (floored), minutes of a time of day, days
# since 1970-01-01 of a date. PostgreSQL for production, SQLite for the embedded default.
_FRAGMENTS = {
    "postgresql": {
        "epoch": "FLOOR(EXTRACT(EPOCH FROM {0}))::bigint",
        "minute": "(EXTRACT(HOUR FROM {0}) * 60 + EXTRACT(MINUTE FROM {0}))::bigint",
        "day": "({0} - DATE '1970-01-01')",
    },
    "sqlite": {
        "epoch": "CAST(unixepoch({0}) AS INTEGER)",
        "minute": "(CAST(substr({0}, 1, 2) AS INTEGER) * 60 + CAST(substr({0}, 4, 2) AS INTEGER))",
        "day": "CAST(julianday({0}) - 2440587.5 AS INTEGER)",
    },
}


class Busy(NamedTuple):
    people: dict[int, Ranges]  # forbidden starts of each practitioner
    rooms: list[tuple[int, Ranges]]  # forbidden starts of each active room, in room order
    no_room: Ranges  # starts at which every room is forbidden


class Schedule(NamedTuple):
    staff: list[tuple[int, str]]  # (id, name) of who may be offered, in position order
    hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]]  # (id, weekday) -> intervals
    closed: set[dt.date]
    busy: Busy | None  # None when no room is active


def read_schedule(
    *,
    service_id: int,
    practitioner_id: int | None,
    min_depth_mm: Decimal | None,
    dates: tuple[dt.date, dt.date],
    minutes: tuple[int, int],
    blocked: int,
    exclude_appointment_id: int | None,
    ignore_appointments: bool,
) -> Schedule:
    """Everything the engine needs for the local ``dates`` (both included), in one query.

    ``minutes`` is the range of epoch minutes whose busy time matters (the dates, plus the last
    day's buffer past midnight); ``blocked`` the minutes a start holds (service and buffer)."""
    connection = connections[router.db_for_read(Appointment)]
    sql = _sql(
        connection.vendor,
        practitioner=practitioner_id is not None,
        depth=min_depth_mm is not None,
        exclude=exclude_appointment_id is not None,
        appointments=not ignore_appointments,
    )
    start, end = (dt.datetime.fromtimestamp(m * 60, tz=dt.UTC) for m in minutes)
    params: list[Any] = [service_id]
    if practitioner_id is not None:
        params.append(practitioner_id)
    if min_depth_mm is not None:
        params.append(_prep(Practitioner, "max_depth_mm", min_depth_mm, connection))
    params += [_prep(Closure, "start_date", d, connection) for d in (dates[1], dates[0])]
    params += [_prep(TimeOff, "start", t, connection) for t in (end, start)]
    if not ignore_appointments:
        params += [str(status) for status in Appointment.ACTIVE_STATUSES]
        params += [_prep(Appointment, "start", t, connection) for t in (end, start)]
        if exclude_appointment_id is not None:
            params.append(exclude_appointment_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _schedule(rows, dates=dates, blocked=blocked)


def _prep(model: type[models.Model], name: str, value: Any, connection: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def _schedule(rows: list[tuple], *, dates: tuple[dt.date, dt.date], blocked: int) -> Schedule:
    """The rows of ``read_schedule``'s query as plain values."""
    hours_rows, room_rows, closed = [], [], set()
    person: dict[int, list[tuple[int, int]]] = defaultdict(list)
    room: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for kind, a, b, c, d, e, name in rows:
        if kind >= TIME_OFF:
            interval = (d // 60, -(-e // 60))  # whole seconds to minutes: floor start, ceil end
            person[a].append(interval)
            if b is not None:
                room[b].append(interval)
        elif kind == HOURS:
            hours_rows.append((c, a, b, d, e, name))
        elif kind == ROOM:
            room_rows.append((c, a))
        else:
            first = max(dt.date.fromordinal(a + _EPOCH_DAY), dates[0])
            last = min(dt.date.fromordinal(b + _EPOCH_DAY), dates[1])
            closed.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    staff: dict[int, str] = {}
    hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for _rank, pid, weekday, begin, finish, name in sorted(hours_rows):
        staff.setdefault(pid, name)
        hours[pid, weekday].append((_clock(begin), _clock(finish)))
    busy = None
    if room_rows:
        rooms = [(r, forbidden_starts(room.get(r, ()), blocked)) for _rank, r in sorted(room_rows)]
        no_room = rooms[0][1]
        for _r, taken in rooms[1:]:
            no_room = no_room.intersection(taken)
        busy = Busy({pid: forbidden_starts(person.get(pid, ()), blocked) for pid in staff}, rooms, no_room)
    return Schedule(list(staff.items()), hours, closed, busy)


def _clock(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


@functools.cache
def _sql(vendor: str, *, practitioner: bool, depth: bool, exclude: bool, appointments: bool) -> str:
    """The query's text for one vendor and shape (made once, from the models' names)."""
    f = _FRAGMENTS["postgresql" if vendor == "postgresql" else "sqlite"]
    epoch, minute, day = (f[k].format for k in ("epoch", "minute", "day"))
    quote = connections[router.db_for_read(Appointment)].ops.quote_name
    through = Practitioner.services.through
    wh, p, r, c, t, a, ps = (
        _Names(m, quote) for m in (WorkingHours, Practitioner, Room, Closure, TimeOff, Appointment, through)
    )
    hours_rank = f"ROW_NUMBER() OVER (ORDER BY {p.position}, {p.display_name}, {p.id}, {wh.weekday}, {wh.start_time})"
    parts = [
        f"SELECT {HOURS}, {wh.practitioner}, {wh.weekday}, {hours_rank}, {minute(wh.start_time)}, "
        f"{minute(wh.end_time)}, {p.display_name} FROM {wh} INNER JOIN {p} ON {p.id} = {wh.practitioner} "
        f"INNER JOIN {ps} ON {ps.practitioner} = {p.id} WHERE {ps.service} = %s AND {p.active}"
        + (f" AND {p.id} = %s" if practitioner else "")
        + (f" AND {p.max_depth_mm} >= %s" if depth else ""),
        f"SELECT {CLOSURE}, {day(c.start_date)}, {day(c.end_date)}, NULL, NULL, NULL, NULL FROM {c} "
        f"WHERE {c.start_date} <= %s AND {c.end_date} >= %s",
        f"SELECT {ROOM}, {r.id}, NULL, ROW_NUMBER() OVER (ORDER BY {r.position}, {r.name}, {r.id}), NULL, NULL, "
        f"NULL FROM {r} WHERE {r.active}",
        f"SELECT {TIME_OFF}, {t.practitioner}, NULL, NULL, {epoch(t.start)}, {epoch(t.end)}, NULL FROM {t} "
        f"WHERE {t.start} < %s AND {t.end} > %s",
    ]
    if appointments:
        statuses = ", ".join(["%s"] * len(Appointment.ACTIVE_STATUSES))
        parts.append(
            f"SELECT {APPOINTMENT}, {a.practitioner}, {a.room}, NULL, {epoch(a.start)}, {epoch(a.blocked_until)}, "
            f"NULL FROM {a} WHERE {a.status} IN ({statuses}) AND {a.start} < %s AND {a.blocked_until} > %s"
            + (f" AND {a.id} <> %s" if exclude else "")
        )
    return " UNION ALL ".join(parts)


class _Names:
    """A model's quoted table (``str``) and its fields' quoted columns (attributes)."""

    def __init__(self, model: type[models.Model], quote: Callable[[str], str]) -> None:
        self.model, self.quote = model, quote
        self.table = quote(model._meta.db_table)

    def __str__(self) -> str:
        return self.table

    def __getattr__(self, name: str) -> str:
        column = self.model._meta.get_field(name).column
        return f"{self.table}.{self.quote(column)}"
