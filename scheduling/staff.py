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
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import User
from scheduling import outbox
from scheduling.checkin import DayOfAnswers, checkin_refusal, record_day_of_answers
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Closure, DayOfCheck, Practitioner, TimeOff, WorkingHours
from scheduling.signals import schedule_written_in_bulk
from scheduling.windows import flag_sessions_outside_windows, give_back_session
from spa.lib.time import local_date


def _locked(appointment: Appointment) -> Appointment:
    """Re-read the appointment under a row lock (two desks clicking at once see one change)."""
    return Appointment.objects.select_for_update().select_related("client", "service").get(pk=appointment.pk)


def _save_with_history(appointment: Appointment, *, by: User, fields: list[str]) -> None:
    # simple-history takes the user from the request middleware; services may run without a
    # request (API token, admin action, tests), so name the actor explicitly.
    appointment._history_user = by
    appointment.save(update_fields=fields)


def check_in_appointment(
    *, appointment: Appointment, by: User, answers: DayOfAnswers | None = None, now: dt.datetime | None = None
) -> Appointment:
    """Mark a booked client as arrived: only a ``booked`` appointment, only on its local day, and
    only when she passes the point-of-care screening (``checkin.checkin_refusal``: valid intake,
    current consent, unexpired clearances, day-of questions answered). ``answers`` are the day-of
    questions asked at the desk; they are kept even when check-in is then refused.

    Raises ``screening`` (403) with the reason in plain words.
    """
    now = now or timezone.now()
    _check_checkin_day(appointment, now=now)
    if answers is not None:
        if not answers.is_valid():
            raise SchedulingError("bad_day_of_answers", field="day_of")
        record_day_of_answers(appointment=appointment, answers=answers, source=DayOfCheck.Source.DESK, by=by, now=now)
    with transaction.atomic(durable=True):
        current = _locked(appointment)
        _check_checkin_day(current, now=now)
        refusal = checkin_refusal(appointment=current, now=now)
        if refusal is not None:
            raise SchedulingError("screening", explanation=refusal)
        current.status = Appointment.Status.CHECKED_IN
        current.checked_in_at = now
        _save_with_history(current, by=by, fields=["status", "checked_in_at"])
    return current


def _check_checkin_day(appointment: Appointment, *, now: dt.datetime) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise SchedulingError("wrong_status", status=appointment.get_status_display().lower())
    day = local_date(appointment.start)
    if local_date(now) != day:
        raise SchedulingError("check_in_not_today", day=f"{day:%A %-d %B %Y}")


def mark_no_show(*, appointment: Appointment, by: User, now: dt.datetime | None = None) -> Appointment:
    """Record that the client did not come. Only a ``booked`` appointment whose start has passed;
    its pending reminders are withdrawn in the same transaction. A plan session is not used up:
    the plan's later bookings move up one session number (``windows.give_back_session``)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        current = _locked(appointment)
        if current.status != Appointment.Status.BOOKED:
            raise SchedulingError("wrong_status", status=current.get_status_display().lower())
        if now < current.start:
            start = timezone.localtime(current.start)
            raise SchedulingError("no_show_too_early", start=f"{start:%-d %B %H:%M}")
        current.status = Appointment.Status.NO_SHOW
        _save_with_history(current, by=by, fields=["status"])
        outbox.appointment_no_show(appointment=current)
        if current.plan_id is not None:
            give_back_session(missed=current)
            for flagged in flag_sessions_outside_windows(plan=current.plan):
                outbox.appointment_flagged(appointment=flagged)
    return current


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


def appointments_during(*, practitioner: Practitioner | None, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Booked or checked-in appointments overlapping [start, end) (of one practitioner, or all)."""
    rows = Appointment.objects.filter(
        status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN], start__lt=end, blocked_until__gt=start
    ).select_related("client", "practitioner", "service")
    return rows.filter(practitioner=practitioner) if practitioner else rows


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
    (``appointments_during``) for the desk to move; availability stops offering the time."""
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
    desk to move (``appointments_during``); availability stops offering those days."""
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
