"""Helpers of the plan tests (scheduling/plans.py, scheduling/windows.py): plans started through
the service, session appointments made with the factory at chosen local times."""

from __future__ import annotations

import datetime as dt

from scheduling.models import Appointment, Practitioner, TreatmentPlan
from scheduling.plans.services import start_plan
from spa.lib.time import local_datetime
from tests.factories import AppointmentFactory


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware moment at a wall-clock time in the spa's zone (Europe/London)."""
    return local_datetime(dt.date(year, month, day), dt.time(hour, minute))


def deep_acne_plan(client, **kwargs) -> TreatmentPlan:
    """Deep acne scars on the cheeks: 1.5–2.0 mm, 4 sessions (up to 6), 4–6 weeks apart."""
    return start_plan(client=client, concern="deep_acne_scars", area="cheeks", created_by=client, **kwargs)


def session(
    plan: TreatmentPlan,
    number: int,
    start: dt.datetime,
    practitioner: Practitioner,
    status: str = Appointment.Status.BOOKED,
) -> Appointment:
    """A plan session's appointment written directly (booking refuses the past)."""
    return AppointmentFactory(
        client=plan.client,
        practitioner=practitioner,
        service=plan.service,
        plan=plan,
        session_number=number,
        start=start,
        status=status,
    )


def move(appointment: Appointment, start: dt.datetime) -> None:
    """Move an appointment's times as a reschedule would (start, end, buffer)."""
    length, held = appointment.end - appointment.start, appointment.blocked_until - appointment.start
    appointment.start, appointment.end, appointment.blocked_until = start, start + length, start + held
    appointment.save()
