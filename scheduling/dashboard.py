"""The owner's dashboard: this week and next, in figures.

- **Bookings**: appointments starting in the week that hold time (booked, checked in, completed).
- **Utilisation** of a practitioner: booked minutes (session length, start to end, of those
  appointments) / working minutes (her working hours on each local day of the week, minus her
  time off and the spa's closures). Of a room: booked minutes in it / the minutes the spa is
  staffed (the union of every active practitioner's working minutes that day): a room cannot be
  used when nobody works.
- **Plans**: completed, cancelled, and active ones split into on track and *overdue* (the window
  of the next session closed before today and it is not booked): drop-off to chase.
- **No-shows** and **late cancellations** of appointments starting in the week.

A constant number of queries (eight) whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, TreatmentPlan, WorkingHours
from scheduling.plans.windows import active_appointments_prefetch, active_sessions, next_window
from spa.lib.time import local_date, local_datetime, local_day_bounds

Span = tuple[dt.datetime, dt.datetime]


def _minutes(spans: list[Span]) -> int:
    return int(sum((e - s).total_seconds() for s, e in spans) // 60)


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    result = spans
    for hs, he in holes:
        cut: list[Span] = []
        for s, e in result:
            if he <= s or hs >= e:
                cut.append((s, e))
                continue
            if s < hs:
                cut.append((s, hs))
            if he < e:
                cut.append((he, e))
        result = cut
    return result


def _union(spans: list[Span]) -> list[Span]:
    merged: list[list[dt.datetime]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _bar(percent: int) -> int:
    """A percentage rounded to the chart's 5 % steps (the ``bar-w-*`` CSS classes), capped at 100."""
    return min(100, 5 * round(percent / 5))


@dataclass
class Usage:
    name: str
    booked_minutes: int
    available_minutes: int

    @property
    def percent(self) -> int:
        """Rounded utilisation; 0 when there was no time to book (not a division by zero)."""
        if not self.available_minutes:
            return 0
        return round(100 * self.booked_minutes / self.available_minutes)

    @property
    def bar(self) -> int:
        return _bar(self.percent)


@dataclass
class WeekFigures:
    monday: dt.date
    bookings: int
    no_shows: int
    late_cancellations: int
    cancellations: int
    practitioners: list[Usage] = field(default_factory=list)
    rooms: list[Usage] = field(default_factory=list)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


@dataclass
class PlanFigures:
    completed: int
    cancelled: int
    on_track: int
    overdue: int

    @property
    def active(self) -> int:
        return self.on_track + self.overdue

    @property
    def total(self) -> int:
        return self.completed + self.cancelled + self.active

    @property
    def completion_percent(self) -> int:
        """Completed out of the plans that have ended or stalled (completed, cancelled, overdue)."""
        finished = self.completed + self.cancelled + self.overdue
        return round(100 * self.completed / finished) if finished else 0

    @property
    def drop_off_percent(self) -> int:
        finished = self.completed + self.cancelled + self.overdue
        return round(100 * (self.cancelled + self.overdue) / finished) if finished else 0

    @property
    def completion_bar(self) -> int:
        return _bar(self.completion_percent)

    @property
    def drop_off_bar(self) -> int:
        return _bar(self.drop_off_percent)


@dataclass
class Dashboard:
    today: dt.date
    weeks: list[WeekFigures]
    plans: PlanFigures


def _week_figures(
    *,
    monday: dt.date,
    practitioners: list[Practitioner],
    rooms: list[Room],
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]],
    time_off: dict[int, list[Span]],
    closed: set[dt.date],
    appointments: list[Appointment],
) -> WeekFigures:
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    week_start, _ = local_day_bounds(days[0])
    _, week_end = local_day_bounds(days[-1])
    in_week = [a for a in appointments if week_start <= a.start < week_end]
    active = [a for a in in_week if a.status in Appointment.ACTIVE_STATUSES]

    working: dict[int, list[Span]] = {}
    for p in practitioners:
        spans = [
            (local_datetime(day, start), local_datetime(day, end))
            for day in days
            if day not in closed
            for start, end in hours[p.pk].get(day.weekday(), [])
        ]
        working[p.pk] = _subtract(spans, time_off[p.pk])
    staffed = _minutes(_union([s for p in practitioners if p.active for s in working[p.pk]]))

    booked_by_practitioner: dict[int, int] = defaultdict(int)
    booked_by_room: dict[int, int] = defaultdict(int)
    for a in active:
        minutes = int((a.end - a.start).total_seconds() // 60)
        booked_by_practitioner[a.practitioner_id] += minutes
        booked_by_room[a.room_id] += minutes
    return WeekFigures(
        monday=monday,
        bookings=len(active),
        no_shows=sum(a.status == Appointment.Status.NO_SHOW for a in in_week),
        late_cancellations=sum(a.status == Appointment.Status.CANCELLED and a.late_cancellation for a in in_week),
        cancellations=sum(a.status == Appointment.Status.CANCELLED for a in in_week),
        practitioners=[
            Usage(p.display_name, booked_by_practitioner[p.pk], _minutes(working[p.pk]))
            for p in practitioners
            if p.active or booked_by_practitioner[p.pk]
        ],
        rooms=[Usage(r.name, booked_by_room[r.pk], staffed) for r in rooms if r.active or booked_by_room[r.pk]],
    )


def plan_figures(*, today: dt.date) -> PlanFigures:
    """Plans completed, cancelled, active on track and active overdue (three queries)."""
    counts = dict(TreatmentPlan.objects.values_list("status").annotate(n=Count("pk")).order_by())
    on_track = overdue = 0
    active = TreatmentPlan.objects.filter(status=TreatmentPlan.Status.ACTIVE).prefetch_related(
        active_appointments_prefetch()
    )
    for plan in active:
        window = next_window(plan, booked=active_sessions(plan))
        if window is not None and window.has_closed(today):
            overdue += 1
        else:
            on_track += 1
    return PlanFigures(
        completed=counts.get(TreatmentPlan.Status.COMPLETED, 0),
        cancelled=counts.get(TreatmentPlan.Status.CANCELLED, 0),
        on_track=on_track,
        overdue=overdue,
    )


def owner_dashboard(*, now: dt.datetime | None = None, weeks: int = 2) -> Dashboard:
    """This week and the next (``weeks`` of them), Monday to Sunday in local dates."""
    now = now or timezone.now()
    today = local_date(now)
    first_monday = today - dt.timedelta(days=today.weekday())
    mondays = [first_monday + dt.timedelta(weeks=i) for i in range(weeks)]
    range_start, _ = local_day_bounds(mondays[0])
    _, range_end = local_day_bounds(mondays[-1] + dt.timedelta(days=6))

    practitioners = list(Practitioner.objects.order_by("position", "display_name"))
    rooms = list(Room.objects.order_by("position", "name"))
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(lambda: defaultdict(list))
    for row in WorkingHours.objects.values_list("practitioner_id", "weekday", "start_time", "end_time"):
        hours[row[0]][row[1]].append((row[2], row[3]))
    time_off: dict[int, list[Span]] = defaultdict(list)
    for pid, start, end in TimeOff.objects.filter(start__lt=range_end, end__gt=range_start).values_list(
        "practitioner_id", "start", "end"
    ):
        time_off[pid].append((start, end))
    closed: set[dt.date] = set()
    last_day = mondays[-1] + dt.timedelta(days=6)
    for start_date, end_date in Closure.objects.filter(start_date__lte=last_day, end_date__gte=mondays[0]).values_list(
        "start_date", "end_date"
    ):
        closed.update(start_date + dt.timedelta(days=i) for i in range((end_date - start_date).days + 1))
    appointments = list(
        Appointment.objects.filter(start__gte=range_start, start__lt=range_end).only(
            "start", "end", "status", "late_cancellation", "practitioner_id", "room_id"
        )
    )
    return Dashboard(
        today=today,
        weeks=[
            _week_figures(
                monday=monday,
                practitioners=practitioners,
                rooms=rooms,
                hours=hours,
                time_off=time_off,
                closed=closed,
                appointments=appointments,
            )
            for monday in mondays
        ],
        plans=plan_figures(today=today),
    )
