"""The staff schedule: a day or a week of appointments by practitioner or by room.

A constant number of queries whatever the number of appointments: practitioners, rooms,
appointments (with client, practitioner, room, service and plan joined), and the clients'
screening in bulk (``clients.screening.screening_statuses``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from django.conf import settings
from django.db.models import QuerySet

from clients.screening import Screening, screening_statuses
from clients.screening import Status as ScreeningStatus
from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
from spa.lib.time import local_datetime, local_day_bounds, spa_zone

By = Literal["practitioner", "room"]
BY_CHOICES: tuple[By, ...] = ("practitioner", "room")

# Rows of the day grid: the spa's usual day unless an appointment falls outside it.
DAY_OPENS = dt.time(8, 0)
DAY_CLOSES = dt.time(20, 0)

# Screening statuses that are themselves a flag (clear is not; staff_review comes with reasons).
_STATUS_FLAGS = {
    ScreeningStatus.MISSING: "No medical intake on file.",
    ScreeningStatus.EXPIRED: "Medical intake expired: renew it before treating.",
    ScreeningStatus.BLOCKED: "Screening blocks treatment.",
    ScreeningStatus.DOCTOR_CLEARANCE: "Needs a doctor's clearance before treating.",
}


SCREENING_LABELS = {
    ScreeningStatus.CLEAR: "Clear",
    ScreeningStatus.STAFF_REVIEW: "Bookable, for staff review",
    ScreeningStatus.DOCTOR_CLEARANCE: "Needs a doctor's clearance",
    ScreeningStatus.BLOCKED: "Blocked",
    ScreeningStatus.EXPIRED: "Intake expired",
    ScreeningStatus.MISSING: "No intake",
}


class Flag(TypedDict):
    code: str
    severity: str
    text: str


@dataclass
class Entry:
    """One appointment on the schedule with what staff must see about the client."""

    appointment: Appointment
    screening: Screening | None
    flags: list[Flag]

    @property
    def screening_status(self) -> str | None:
        return self.screening.status if self.screening else None


@dataclass
class Cell:
    entry: Entry | None = None
    rowspan: int = 1
    covered: bool = False  # part of an appointment started in a row above
    off: bool = False  # the practitioner does not work then (hours, time off, closure)


@dataclass
class Row:
    at: dt.datetime  # local, aware
    cells: list[Cell]

    @property
    def label(self) -> str:
        return f"{self.at:%H:%M}"

    @property
    def on_the_hour(self) -> bool:
        return self.at.minute == 0


@dataclass
class Column:
    key: int
    name: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class DaySchedule:
    day: dt.date
    by: By
    columns: list[Column]
    rows: list[Row]
    # Cancelled and no-show appointments of the day (they hold no column time).
    off_grid: list[Entry]
    # Appointments that could not be placed (overlap in one column; should not happen).
    overflow: list[Entry]
    closure: Closure | None = None

    @property
    def entries(self) -> list[Entry]:
        return [e for c in self.columns for e in c.entries]


@dataclass
class WeekSchedule:
    monday: dt.date
    by: By
    days: list[dt.date]
    # Column (practitioner or room) → one list of entries per day.
    lines: list[tuple[Column, list[list[Entry]]]]
    off_grid: list[Entry]


def flags_for(appointment: Appointment, screening: Screening | None) -> list[Flag]:
    """What the schedule badges show: screening status and reasons (not advice), staff flags."""
    flags: list[Flag] = []
    if screening is not None:
        if screening.status in _STATUS_FLAGS:
            flags.append(Flag(code=screening.status, severity=screening.status, text=_STATUS_FLAGS[screening.status]))
        if screening.status in (ScreeningStatus.CLEAR, ScreeningStatus.STAFF_REVIEW) and not screening.consent_current:
            flags.append(Flag(code="consent", severity="staff_review", text="Consent not signed."))
        flags.extend(Flag(code=r.slug, severity=r.severity, text=r.text) for r in screening.flags)
    if appointment.staff_flag:
        flags.append(Flag(code="staff_flag", severity="staff_review", text=appointment.staff_flag))
    if appointment.window_override_reason:
        flags.append(
            Flag(
                code="window_override",
                severity="info",
                text=f"Booked outside the plan window: {appointment.window_override_reason}",
            )
        )
    return flags


def schedule_appointments(*, practitioner: Practitioner | None = None) -> QuerySet[Appointment]:
    """Appointments as a staff schedule shows them (any status, what a row names joined), in
    time order: one practitioner's, or everybody's. The API filters them by day and pages them."""
    rows = Appointment.objects.select_related(
        "client", "practitioner", "room", "service", "plan", "plan__concern", "plan__area"
    ).order_by("start", "pk")
    return rows.filter(practitioner=practitioner) if practitioner else rows


def _appointments(start: dt.datetime, end: dt.datetime, practitioner: Practitioner | None) -> QuerySet:
    return schedule_appointments(practitioner=practitioner).filter(start__lt=end, end__gt=start)


def _entries(appointments: list[Appointment], now: dt.datetime | None) -> list[Entry]:
    screenings = screening_statuses({a.client_id for a in appointments}, now=now)
    return [Entry(a, screenings.get(a.client_id), flags_for(a, screenings.get(a.client_id))) for a in appointments]


def _columns(by: By, appointments: list[Appointment], practitioner: Practitioner | None) -> list[Column]:
    """Active practitioners (or rooms), plus any inactive one that still has an appointment."""
    if by == "room":
        used = {a.room_id for a in appointments}
        rooms = [r for r in Room.objects.order_by("position", "name") if r.active or r.pk in used]
        return [Column(r.pk, r.name) for r in rooms]
    if practitioner is not None:
        return [Column(practitioner.pk, practitioner.display_name)]
    used = {a.practitioner_id for a in appointments}
    people = [p for p in Practitioner.objects.order_by("position", "display_name") if p.active or p.pk in used]
    return [Column(p.pk, p.display_name) for p in people]


def _key(by: By, appointment: Appointment) -> int:
    return appointment.room_id if by == "room" else appointment.practitioner_id


def day_schedule(
    *, day: dt.date, by: By = "practitioner", practitioner: Practitioner | None = None, now: dt.datetime | None = None
) -> DaySchedule:
    """The grid of one local day: a column per practitioner (or room), a row per slot step.

    Rows are instants 15 minutes apart labelled in local time, so a 23- or 25-hour day
    (daylight-saving change) lays out right.
    """
    start, end = local_day_bounds(day)
    appointments = list(_appointments(start, end, practitioner))
    entries = _entries(appointments, now)
    on_grid = [e for e in entries if e.appointment.is_active]
    off_grid = [e for e in entries if not e.appointment.is_active]
    columns = _columns(by, appointments, practitioner)
    index = {c.key: i for i, c in enumerate(columns)}

    step = dt.timedelta(minutes=settings.SPA_SLOT_STEP_MINUTES)
    first = local_datetime(day, DAY_OPENS)
    last = local_datetime(day, DAY_CLOSES)
    for e in on_grid:
        first = min(first, max(e.appointment.start, start))
        last = max(last, min(e.appointment.end, end))
    # Align the first row to the step on the local clock.
    first_local = first.astimezone(spa_zone())
    first -= dt.timedelta(minutes=first_local.minute % settings.SPA_SLOT_STEP_MINUTES, seconds=first_local.second)
    count = max(1, math.ceil((last - first) / step))
    rows = [Row((first + i * step).astimezone(spa_zone()), [Cell() for _ in columns]) for i in range(count)]

    closure = Closure.objects.filter(start_date__lte=day, end_date__gte=day).first()
    if by == "practitioner":
        _shade_off_hours(day=day, columns=columns, rows=rows, step=step, closed=closure is not None)

    overflow: list[Entry] = []
    for e in on_grid:
        column = index.get(_key(by, e.appointment))
        if column is None:
            overflow.append(e)
            continue
        top = max(0, int((max(e.appointment.start, first) - first) // step))
        span = max(1, math.ceil((min(e.appointment.end, end) - (first + top * step)) / step))
        span = min(span, count - top)
        cells = [rows[top + i].cells[column] for i in range(span)]
        if any(c.entry is not None or c.covered for c in cells):
            overflow.append(e)
            continue
        cells[0].entry, cells[0].rowspan = e, span
        for c in cells[1:]:
            c.covered = True
        columns[column].entries.append(e)
    return DaySchedule(
        day=day, by=by, columns=columns, rows=rows, off_grid=off_grid, overflow=overflow, closure=closure
    )


def _shade_off_hours(*, day: dt.date, columns: list[Column], rows: list[Row], step: dt.timedelta, closed: bool) -> None:
    """Mark the cells when each practitioner is not working (two queries for all columns)."""
    ids = [c.key for c in columns]
    working: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {pk: [] for pk in ids}
    if not closed:
        for pk, opens, closes in WorkingHours.objects.filter(
            practitioner_id__in=ids, weekday=day.weekday()
        ).values_list("practitioner_id", "start_time", "end_time"):
            working[pk].append((local_datetime(day, opens), local_datetime(day, closes)))
    start, end = local_day_bounds(day)
    away: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {pk: [] for pk in ids}
    for pk, off_start, off_end in TimeOff.objects.filter(
        practitioner_id__in=ids, start__lt=end, end__gt=start
    ).values_list("practitioner_id", "start", "end"):
        away[pk].append((off_start, off_end))
    for row in rows:
        row_end = row.at + step
        for column, cell in zip(columns, row.cells, strict=True):
            works = any(s <= row.at and row_end <= e for s, e in working[column.key])
            is_away = any(s < row_end and row.at < e for s, e in away[column.key])
            cell.off = not works or is_away


def week_schedule(
    *, day: dt.date, by: By = "practitioner", practitioner: Practitioner | None = None, now: dt.datetime | None = None
) -> WeekSchedule:
    """Monday to Sunday around ``day``: a line per practitioner (or room), a cell per day."""
    monday = day - dt.timedelta(days=day.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start, _ = local_day_bounds(monday)
    _, end = local_day_bounds(days[-1])
    appointments = list(_appointments(start, end, practitioner))
    entries = _entries(appointments, now)
    columns = _columns(by, appointments, practitioner)
    grid: dict[int, list[list[Entry]]] = {c.key: [[] for _ in days] for c in columns}
    off_grid: list[Entry] = []
    for e in entries:
        if not e.appointment.is_active:
            off_grid.append(e)
            continue
        local_day = e.appointment.start.astimezone(spa_zone()).date()
        line = grid.get(_key(by, e.appointment))
        if line is None or not monday <= local_day <= days[-1]:
            off_grid.append(e)
            continue
        line[(local_day - monday).days].append(e)
    return WeekSchedule(monday=monday, by=by, days=days, lines=[(c, grid[c.key]) for c in columns], off_grid=off_grid)


def schedule_entries(appointments: Iterable[Appointment], *, now: dt.datetime | None = None) -> list[Entry]:
    """The appointments with their intake flags (one screening query for them all): the API's rows."""
    return _entries(list(appointments), now)
