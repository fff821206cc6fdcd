"""Reads of bookings: access-scoped appointments shared by every page and API view, a client's
booking limit, a plan session's window.

Another client's appointment is a 404, never a 403: its existence is not disclosed.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clients.models import User
from scheduling.models import Appointment, BookingPolicy, TreatmentPlan
from scheduling.plans.windows import Window, active_sessions, window_after
from spa.lib.roles import SEE_ALL_SCHEDULES


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("practitioner", "room", "service", "plan", "client")


def appointments_for_client(user: User) -> QuerySet[Appointment]:
    """Her own appointments, with what a list shows."""
    return _appointments().filter(client_id=user.pk)


def appointments_for_user(user: User) -> QuerySet[Appointment]:
    """Staff see every appointment; a client her own; anybody else none."""
    if not user.is_authenticated:
        return Appointment.objects.none()
    if user.is_staff:
        if user.has_perm(SEE_ALL_SCHEDULES):
            return _appointments()
        # A practitioner's role: the appointments on their own schedule.
        return _appointments().filter(practitioner__user_id=user.pk)
    return appointments_for_client(user)


def upcoming_and_past(user: User, *, now: dt.datetime | None = None) -> tuple[list[Appointment], list[Appointment]]:
    """Her active appointments still to come (soonest first), and everything else (newest first)."""
    now = now or timezone.now()
    rows = list(appointments_for_client(user).order_by("start"))
    upcoming = [a for a in rows if a.end > now and a.status == Appointment.Status.BOOKED]
    chosen = {a.pk for a in upcoming}
    past = [a for a in reversed(rows) if a.pk not in chosen]
    return upcoming, past


def get_appointment_for_client(user: User, pk: int) -> Appointment:
    """Her own appointment, or 404."""
    try:
        return appointments_for_client(user).get(pk=pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.") from None


def get_appointment_for_user(user: User, pk: int) -> Appointment:
    """Her own appointment, or any for staff; 404 otherwise."""
    try:
        return appointments_for_user(user).get(pk=pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.") from None


def get_plan_for_client(user: User, pk: int) -> TreatmentPlan:
    """Her own plan (staff: any), or 404."""
    plans = TreatmentPlan.objects.select_related("service", "concern", "area")
    if not user.is_authenticated:
        raise Http404("No such plan.")
    if not user.is_staff:
        plans = plans.filter(client_id=user.pk)
    try:
        return plans.get(pk=pk)
    except TreatmentPlan.DoesNotExist:
        raise Http404("No such plan.") from None


def rule_overrides(*, client: User | None = None, since: dt.datetime | None = None) -> QuerySet[Appointment]:
    """Active appointments booked against a rule by staff with a recorded reason (outside a plan
    window, or closer to another needling of the area than the rule): for the client record and
    the owner's dashboard."""
    rows = (
        _appointments()
        .filter(status__in=Appointment.ACTIVE_STATUSES)
        .exclude(spacing_override_reason="", window_override_reason="")
    )
    if client is not None:
        rows = rows.filter(client=client)
    if since is not None:
        rows = rows.filter(start__gte=since)
    return rows.select_related("booked_by").order_by("start")


def booking_limit(*, client: User) -> int:
    """How many upcoming appointments she may hold online: the sessions left in her active
    plans plus the spa's allowance (``BookingPolicy.extra_bookings``)."""
    done = Count(
        "appointments",
        filter=Q(appointments__status=Appointment.Status.COMPLETED, appointments__session_number__isnull=False),
    )
    plans = TreatmentPlan.objects.filter(client=client, status=TreatmentPlan.Status.ACTIVE).annotate(done=done)
    left = sum(max(plan.sessions_planned - plan.done, 0) for plan in plans)
    return left + BookingPolicy.current().extra_bookings


def session_window(*, appointment: Appointment) -> Window | None:
    """The window of the appointment's plan session, from the session before it."""
    plan = appointment.plan
    if plan is None or not appointment.session_number or appointment.session_number == 1:
        return None
    previous = active_sessions(plan).get(appointment.session_number - 1)
    if previous is None:
        return None
    return window_after(plan, number=appointment.session_number, previous_start=previous.start)
