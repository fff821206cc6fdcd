"""Staff commands: check-in, no-show, working hours, time off, closures.

Each is a top-level command owning its transaction; the staff pages, the API and the admin call
these and nothing else for the same change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clients.models import User
from scheduling.errors import SchedulingError
from scheduling.models import Closure, Practitioner, TimeOff, WorkingHours
from scheduling.resources.signals import schedule_written_in_bulk

# --- Working hours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    weekday: int
    start_time: dt.time
    end_time: dt.time


def check_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted by day and time; refuses a reversed interval or two that overlap."""
    by_day: dict[int, list[Interval]] = defaultdict(list)
    for item in intervals:
        if item.weekday not in WorkingHours.Weekday.values:
            raise SchedulingError("bad_range", reason=f"Unknown weekday {item.weekday}.", field="weekday")
        if item.start_time >= item.end_time:
            raise SchedulingError(
                "bad_range",
                reason=(
                    f"{WorkingHours.Weekday(item.weekday).label}: {item.start_time:%H:%M}–{item.end_time:%H:%M} "
                    "must end after it starts."
                ),
                field="end_time",
            )
        by_day[item.weekday].append(item)
    result: list[Interval] = []
    for weekday in sorted(by_day):
        day = sorted(by_day[weekday], key=lambda i: i.start_time)
        for first, second in zip(day, day[1:], strict=False):
            if second.start_time < first.end_time:
                raise SchedulingError(
                    "hours_overlap",
                    weekday=WorkingHours.Weekday(weekday).label,
                    first=f"{first.start_time:%H:%M}–{first.end_time:%H:%M}",
                    second=f"{second.start_time:%H:%M}–{second.end_time:%H:%M}",
                )
        result.extend(day)
    return result


def set_working_hours(*, practitioner: Practitioner, intervals: Iterable[Interval], by: User) -> list[WorkingHours]:
    """Replace a practitioner's whole week with ``intervals`` (several a day make breaks).

    Refused whole when an interval is reversed or two of one day overlap: never half a week.
    Existing bookings are kept; availability uses the new hours from now on.
    """
    checked = check_intervals(intervals)
    with transaction.atomic(durable=True):
        # Lock the practitioner so two editors of one week do not interleave delete and insert.
        Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
        WorkingHours.objects.filter(practitioner=practitioner).delete()
        rows = WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=i.weekday, start_time=i.start_time, end_time=i.end_time)
            for i in checked
        )
        schedule_written_in_bulk(WorkingHours)  # bulk_create sends no post_save
    return rows


# --- Time off and closures --------------------------------------------------------------------


def add_time_off(
    *,
    practitioner: Practitioner,
    start: dt.datetime,
    end: dt.datetime,
    reason: str = "",
    by: User,
    now: dt.datetime | None = None,
) -> TimeOff:
    """Record time off. Appointments already booked in it stay: the caller lists them
    (``selectors.appointments_during``) for the desk to move; availability stops offering the time."""
    now = now or timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise SchedulingError("bad_range", reason="Times must carry a time zone.")
    if start >= end:
        raise SchedulingError("bad_range", reason="Time off must end after it starts.", field="end")
    if end <= now:
        raise SchedulingError("time_off_in_past", field="end")
    with transaction.atomic(durable=True):
        time_off = TimeOff(practitioner=practitioner, start=start, end=end, reason=reason.strip())
        time_off.full_clean()
        time_off.save()
    return time_off


def delete_time_off(*, time_off: TimeOff, by: User) -> None:
    with transaction.atomic(durable=True):
        TimeOff.objects.filter(pk=time_off.pk).delete()


def add_closure(*, start_date: dt.date, end_date: dt.date, reason: str, by: User) -> Closure:
    """Close the whole spa on these local dates (both included). Bookings in them stay for the
    desk to move (``selectors.appointments_during``); availability stops offering those days."""
    if start_date > end_date:
        raise SchedulingError("bad_range", reason="A closure must end on or after its first day.", field="end_date")
    if not reason.strip():
        raise SchedulingError("bad_range", reason="Say why the spa is closed.", field="reason")
    with transaction.atomic(durable=True):
        closure = Closure(start_date=start_date, end_date=end_date, reason=reason.strip())
        closure.full_clean()
        closure.save()
    return closure


def delete_closure(*, closure: Closure, by: User) -> None:
    with transaction.atomic(durable=True):
        Closure.objects.filter(pk=closure.pk).delete()
