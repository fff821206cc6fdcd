"""Booking windows of plan sessions, in the spa's local calendar dates.

Session 1 may be booked at any time. Session N+1 may be booked in
[local date of session N + min weeks, local date of session N + max weeks], both included.
Dates, not instants: a daylight-saving change between sessions never moves a window (adding
28 days of 24 hours to an instant across the autumn change lands an hour early, on the
previous evening, for a session just after midnight).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch

from scheduling.models import Appointment, TreatmentPlan
from spa.lib.time import local_date

# The marker of the flag this module writes on an appointment (other flags are left alone).
_FLAG_PREFIX = "Outside its window"
_FLAG_PATTERN = re.compile(re.escape(_FLAG_PREFIX) + r"[^.]*\.\s*")


@dataclass(frozen=True)
class Window:
    number: int
    start: dt.date | None  # None: no lower bound (session 1)
    end: dt.date | None  # None: no upper bound (session 1)

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def has_opened(self, today: dt.date) -> bool:
        return self.start is None or today >= self.start

    def has_closed(self, today: dt.date) -> bool:
        return self.end is not None and today > self.end

    def describe(self) -> str:
        if self.start is None or self.end is None:
            return "any time"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "window_start": self.start.isoformat() if self.start else None,
            "window_end": self.end.isoformat() if self.end else None,
        }


def window_after(plan: TreatmentPlan, *, number: int, previous_start: dt.datetime | None) -> Window:
    """The window of session ``number`` given when session ``number - 1`` takes place."""
    if number == 1 or previous_start is None:
        return Window(number=number, start=None, end=None)
    day = local_date(previous_start)
    return Window(
        number=number,
        start=day + dt.timedelta(weeks=plan.interval_min_weeks),
        end=day + dt.timedelta(weeks=plan.interval_max_weeks),
    )


def active_appointments_prefetch() -> Prefetch:
    """Prefetch of a plan's session appointments for lists (``active_sessions`` then runs no query)."""
    return Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(
            status__in=Appointment.ACTIVE_STATUSES, session_number__isnull=False
        ).select_related("practitioner", "room"),
        to_attr="active_appointments",
    )


def active_sessions(plan: TreatmentPlan) -> dict[int, Appointment]:
    """Session number → its active appointment (booked, checked in or completed).

    Uses ``plan.active_appointments`` when the plan was fetched with
    ``active_appointments_prefetch()`` (no query), else one query.
    """
    rows = getattr(plan, "active_appointments", None)
    if rows is None:
        rows = plan.appointments.filter(status__in=Appointment.ACTIVE_STATUSES, session_number__isnull=False)
    return {a.session_number: a for a in rows}


def session_windows(plan: TreatmentPlan, *, booked: dict[int, Appointment] | None = None) -> list[Window | None]:
    """Each planned session's window; None when the session before it is not booked yet."""
    booked = active_sessions(plan) if booked is None else booked
    windows: list[Window | None] = []
    for number in range(1, plan.sessions_planned + 1):
        if number == 1:
            windows.append(Window(number=1, start=None, end=None))
            continue
        previous = booked.get(number - 1)
        windows.append(window_after(plan, number=number, previous_start=previous.start) if previous else None)
    return windows


def next_window(plan: TreatmentPlan, *, booked: dict[int, Appointment] | None = None) -> Window | None:
    """The window of the first session not booked yet; None when every session is booked or
    the plan is no longer active."""
    if plan.status != TreatmentPlan.Status.ACTIVE:
        return None
    booked = active_sessions(plan) if booked is None else booked
    for number in range(1, plan.sessions_planned + 1):
        if number not in booked:
            previous = booked.get(number - 1)
            return window_after(plan, number=number, previous_start=previous.start if previous else None)
    return None


def without_window_flag(flag: str) -> str:
    return _FLAG_PATTERN.sub("", flag).strip()


def flag_sessions_outside_windows(*, plan: TreatmentPlan) -> list[Appointment]:
    """After a session moved: flag later booked sessions now outside their recomputed window.

    Each later session's window is recomputed from the (possibly moved) session before it. A
    booking back inside its window loses this flag (other flags on it are kept). Returns the
    appointments newly flagged (the caller tells staff and the client, e.g. through
    ``outbox.appointment_flagged``). Call it inside the transaction that moved the session.
    """
    booked = active_sessions(plan)
    flagged = []
    for number in sorted(booked):
        appointment = booked[number]
        previous = booked.get(number - 1)
        if number == 1 or previous is None or appointment.status != Appointment.Status.BOOKED:
            continue
        window = window_after(plan, number=number, previous_start=previous.start)
        others = without_window_flag(appointment.staff_flag)
        if window.contains(local_date(appointment.start)):
            if others != appointment.staff_flag:
                appointment.staff_flag = others
                appointment.save(update_fields=["staff_flag"])
            continue
        message = f"{_FLAG_PREFIX} ({window.describe()}) after an earlier session moved."
        if message not in appointment.staff_flag:
            appointment.staff_flag = f"{message} {others}".strip()[:300]
            appointment.save(update_fields=["staff_flag"])
            flagged.append(appointment)
    return flagged


def give_back_session(*, missed: Appointment) -> list[Appointment]:
    """A no-show does not use up a session: the plan's later booked sessions move up one number.

    Session N was missed, so the booking of session N+1 becomes session N, and so on; the last
    session is "to book" again, with its window from the session before it. Nothing moves in
    time. Returns the appointments renumbered. Call it inside the transaction that recorded the
    no-show (the missed appointment no longer active, so its number is free).
    """
    if missed.plan_id is None or missed.session_number is None:
        return []
    later = list(
        Appointment.objects.filter(
            plan_id=missed.plan_id, status=Appointment.Status.BOOKED, session_number__gt=missed.session_number
        ).order_by("session_number")
    )
    for appointment in later:
        # In ascending order each number below is already free (one active row per session).
        appointment.session_number -= 1
        appointment.save(update_fields=["session_number"])
    return later
