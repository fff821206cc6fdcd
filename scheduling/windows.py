"""Booking windows of plan sessions, in the spa's local calendar dates.

Session 1 may be booked at any time. Session N+1 may be booked in
[local date of session N + min weeks, local date of session N + max weeks], both included.
Dates, not instants: a daylight-saving change between sessions never moves a window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduling.models import Appointment, TreatmentPlan
from spa.lib.time import local_date


@dataclass(frozen=True)
class Window:
    number: int
    start: dt.date | None  # None: no lower bound (session 1)
    end: dt.date | None  # None: no upper bound (session 1)

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        if self.start is None:
            return "any time"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


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


def active_sessions(plan: TreatmentPlan) -> dict[int, Appointment]:
    """Session number → its active appointment (booked, checked in or completed)."""
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


def flag_sessions_outside_windows(*, plan: TreatmentPlan) -> list[Appointment]:
    """After a session moved: flag later booked sessions now outside their recomputed window.

    Returns the appointments newly flagged (the caller tells staff and the client).
    """
    booked = active_sessions(plan)
    flagged = []
    for number in sorted(booked):
        appointment = booked[number]
        previous = booked.get(number - 1)
        if number == 1 or previous is None or appointment.status != Appointment.Status.BOOKED:
            continue
        window = window_after(plan, number=number, previous_start=previous.start)
        if not window.contains(local_date(appointment.start)):
            message = f"Outside its window ({window.describe()}) after an earlier session moved."
            if appointment.staff_flag != message:
                appointment.staff_flag = message
                appointment.save(update_fields=["staff_flag"])
                flagged.append(appointment)
    return flagged
