"""The day of a visit: the client arrives (check-in, re-screened at the point of care) or does not (no-show).

Each is a top-level command owning its transaction; the staff pages, the API and the admin call
these and nothing else for the same change.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clients.models import User
from scheduling.care.checkin import DayOfAnswers, checkin_refusal, record_day_of_answers
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, DayOfCheck
from scheduling.notifications import outbox
from scheduling.plans.windows import flag_sessions_outside_windows, give_back_session
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
