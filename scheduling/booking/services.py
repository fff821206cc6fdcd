"""Booking, cancelling and rescheduling appointments: the one place these rules live.

Pages, the API, the admin and the staff screens all call these three commands.

Double booking is impossible twice over: inside the transaction the slot is re-checked with the
same availability engine the client saw, and on PostgreSQL the exclusion constraints of
migration 0002 refuse an overlapping row even when two transactions both read "free" (the insert
runs in a savepoint and a violation, sqlstate 23P01, becomes ``slot_taken``). On SQLite every
write transaction starts with BEGIN IMMEDIATE (settings), so the re-check itself is serialised.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import User
from clients.screening import screening_status
from clients.selectors import age_problem
from scheduling.booking.selectors import booking_limit, session_window
from scheduling.booking.spacing import check_spacing
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Practitioner, TreatmentPlan
from scheduling.notifications import outbox
from scheduling.plans.windows import (
    Window,
    flag_sessions_outside_windows,
    next_window,
    without_window_flag,
)
from scheduling.resources.availability import Slot, slots_at
from spa.lib.time import local_date
from treatments.models import Service

EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"


def _sqlstate(error: IntegrityError) -> str | None:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def check_client_may_book(*, client: User, now: dt.datetime, needling: bool = True, staff: bool = False) -> None:
    """Screening (intake, consent) and age: the same for online and staff bookings. A consultation
    (no needling) stays open to a client waiting for her doctor's clearance (``may_book``). Staff
    read the reason in their own words."""
    screening = screening_status(user_id=client.pk, now=now)
    if not screening.may_book(needling=needling):
        explanation = screening.staff_explanation() if staff else screening.explanation()
        raise SchedulingError("screening", explanation=explanation)
    # The age rule lives in clients (age_problem); read her profile fresh, not a cached one.
    fresh = User.objects.select_related("client_profile").get(pk=client.pk)
    problem = age_problem(user=fresh, today=local_date(now))
    if problem is not None:
        profile = getattr(fresh, "client_profile", None)
        unknown = profile is None or profile.date_of_birth is None
        raise SchedulingError("age_unknown" if unknown else "under_age", problem)


def _check_notice(*, start: dt.datetime, now: dt.datetime, staff: bool) -> None:
    if start < now:
        raise SchedulingError("not_offered", field="start")
    if staff:
        return
    if start < now + dt.timedelta(hours=settings.SPA_MIN_NOTICE_HOURS):
        raise SchedulingError("too_soon", field="start", hours=settings.SPA_MIN_NOTICE_HOURS)
    if local_date(start) > local_date(now) + dt.timedelta(days=settings.SPA_HORIZON_DAYS):
        raise SchedulingError("too_far", field="start", days=settings.SPA_HORIZON_DAYS)


def _check_window(*, window: Window, start: dt.datetime, staff: bool, override_reason: str) -> str:
    """The override reason to record ('' when the date is inside the window)."""
    if window.contains(local_date(start)):
        return ""
    if not staff:
        raise SchedulingError("outside_window", field="start", number=window.number, window=window.describe())
    if not override_reason.strip():
        raise SchedulingError("override_reason_required", field="override_reason")
    return override_reason.strip()


def _check_depth(*, practitioner: Practitioner | None, plan: TreatmentPlan | None) -> None:
    if practitioner is not None and plan is not None and practitioner.max_depth_mm < plan.depth_min_mm:
        raise SchedulingError(
            "depth_over_limit",
            field="practitioner",
            practitioner=practitioner.display_name,
            limit=practitioner.max_depth_mm,
            depth=plan.depth_min_mm,
        )


def _check_practitioner(*, practitioner: Practitioner | None, service: Service) -> None:
    if practitioner is None:
        return
    if not practitioner.active or not practitioner.services.filter(pk=service.pk).exists():
        raise SchedulingError("unknown_practitioner", field="practitioner")


def _free_slot(
    *,
    service: Service,
    start: dt.datetime,
    practitioner: Practitioner | None,
    plan: TreatmentPlan | None,
    now: dt.datetime,
    staff: bool,
    exclude_appointment_id: int | None = None,
) -> Slot:
    """The slot to take at ``start``, re-read inside the caller's transaction.

    Not free: ``slot_taken`` (409) if the time would be offered on an empty book (someone took
    it), else ``not_offered`` (400).
    """
    query = {
        "service": service,
        "start": start,
        "practitioner": practitioner,
        "min_depth_mm": plan.depth_min_mm if plan else None,
        "now": now,
        "enforce_notice": not staff,
        "exclude_appointment_id": exclude_appointment_id,
    }
    slots = slots_at(**query)
    if slots:
        # "Anyone": the first free practitioner by position (slots are sorted that way).
        return slots[0]
    if slots_at(**query, ignore_appointments=True):
        raise SchedulingError("slot_taken", field="start")
    raise SchedulingError("not_offered", field="start")


def _map_integrity(error: IntegrityError, *, session_number: int | None) -> SchedulingError:
    state = _sqlstate(error)
    if state == EXCLUSION_VIOLATION and "appointment_no_client_overlap" in str(error):
        return SchedulingError("client_busy", field="start")
    if state == EXCLUSION_VIOLATION:
        return SchedulingError("slot_taken", field="start")
    if state == UNIQUE_VIOLATION or "appointment_one_active_per_plan_session" in str(error) or "UNIQUE" in str(error):
        return SchedulingError("session_taken", number=session_number)
    raise error


def _check_plan_service(*, plan: TreatmentPlan | None, service: Service) -> None:
    """A plan session is a needling of the plan's area: its own service, or one covering the area."""
    if plan is None or service.pk == plan.service_id:
        return
    if service.is_needling and service.areas.filter(pk=plan.area_id).exists():
        return
    raise SchedulingError(
        "wrong_service_for_plan",
        field="service",
        plan=plan.concern.name.lower(),
        area=plan.area.name.lower(),
        service=plan.service.name,
    )


def _lock_client(client: User) -> None:
    """Serialise this client's bookings: her spacing, diary and share are checked under it.

    ``select_for_update`` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    User.objects.select_for_update().filter(pk=client.pk).values_list("pk", flat=True).first()


def _check_client_free(
    *, client: User, start: dt.datetime, end: dt.datetime, exclude_appointment_id: int | None = None
) -> None:
    """She never holds two active appointments whose times overlap (``client_busy``, 409).

    On PostgreSQL the exclusion constraint of migration 0004 holds this too, under any race.
    """
    busy = (
        Appointment.objects.filter(client=client, status__in=Appointment.ACTIVE_STATUSES, start__lt=end, end__gt=start)
        .exclude(pk=exclude_appointment_id)
        .exists()
    )
    if busy:
        raise SchedulingError("client_busy", field="start")


def _check_fair_share(*, client: User, now: dt.datetime, staff: bool) -> None:
    if staff:
        return
    held = Appointment.objects.filter(client=client, status=Appointment.Status.BOOKED, start__gte=now).count()
    limit = booking_limit(client=client)
    if held >= limit:
        raise SchedulingError("too_many_bookings", count=held, limit=limit)


def _plan_session(
    *, plan: TreatmentPlan, start: dt.datetime, staff: bool, override_reason: str
) -> tuple[TreatmentPlan, int, str]:
    """The plan re-read under a lock, the session number to book and the window reason."""
    plan = TreatmentPlan.objects.select_for_update().select_related("concern", "area").get(pk=plan.pk)
    if plan.status == TreatmentPlan.Status.ON_HOLD:
        # A reaction or a reported problem: a practitioner must release the plan first.
        raise SchedulingError("plan_on_hold", field="plan", reason=plan.hold_reason or "a reaction was reported")
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise SchedulingError("plan_not_active", field="plan")
    window = next_window(plan)
    if window is None:
        raise SchedulingError("plan_complete", field="plan")
    reason = _check_window(window=window, start=start, staff=staff, override_reason=override_reason)
    return plan, window.number, reason


def _checked_request(
    *,
    client: User,
    service: Service | None,
    start: dt.datetime,
    practitioner: Practitioner | None,
    plan: TreatmentPlan | None,
    now: dt.datetime,
    staff: bool,
) -> Service:
    """What a booking request is checked for before any lock: the service (given, or the
    plan's), her plan, her screening, the notice, the practitioner and the depth."""
    if timezone.is_naive(start):
        raise SchedulingError("not_offered", field="start")
    if plan is not None and plan.client_id != client.pk:
        raise SchedulingError("not_your_plan", field="plan")
    service = service or (plan.service if plan else None)
    if service is None:
        raise SchedulingError("not_offered", field="service")
    _check_plan_service(plan=plan, service=service)
    check_client_may_book(client=client, now=now, needling=service.is_needling, staff=staff)
    _check_notice(start=start, now=now, staff=staff)
    _check_practitioner(practitioner=practitioner, service=service)
    _check_depth(practitioner=practitioner, plan=plan)
    return service


def book_appointment(
    *,
    client: User,
    service: Service | None = None,
    start: dt.datetime,
    practitioner: Practitioner | None = None,
    plan: TreatmentPlan | None = None,
    booked_by: User,
    override_reason: str = "",
    now: dt.datetime | None = None,
    durable: bool = True,
) -> Appointment:
    """Book ``service`` (or the plan's) at ``start`` for ``client``; return the appointment.

    ``durable=False`` lets a caller that owns the transaction book several appointments all or
    nothing (``plans.book_course``).

    Staff (``booked_by.is_staff``) skip the minimum notice and the client's share of the
    calendar, and may book a plan session outside its window, or a needling closer to another
    of the same area than the rule allows, with an ``override_reason`` (recorded). Nobody skips
    screening, the depth limit, the plan's service or the client's own diary. With no
    ``practitioner`` ("anyone") the first free one by position is taken, and a free room.
    Raises ``SchedulingError`` (``screening`` 403, ``outside_window`` 400,
    ``too_soon_after_needling`` 400, ``too_many_bookings`` 400, ``wrong_service_for_plan`` 400,
    ``not_offered`` 400, ``slot_taken`` 409, ``client_busy`` 409, ...).
    """
    now = now or timezone.now()
    staff = booked_by.is_staff
    service = _checked_request(
        client=client, service=service, start=start, practitioner=practitioner, plan=plan, now=now, staff=staff
    )
    with transaction.atomic(durable=durable):
        _lock_client(client)
        session_number, reason = None, ""
        if plan is not None:
            plan, session_number, reason = _plan_session(
                plan=plan, start=start, staff=staff, override_reason=override_reason
            )
        # Her own diary first: a repeated tap is told she is booked, not that her skin needs rest.
        _check_client_free(client=client, start=start, end=start + dt.timedelta(minutes=service.duration_minutes))
        spacing_reason = check_spacing(
            client_id=client.pk,
            service=service,
            plan=plan,
            start=start,
            session_number=session_number,
            staff=staff,
            override_reason=override_reason,
        )
        _check_fair_share(client=client, now=now, staff=staff)
        slot = _free_slot(service=service, start=start, practitioner=practitioner, plan=plan, now=now, staff=staff)
        appointment = Appointment(
            client=client,
            practitioner_id=slot.practitioner_id,
            room_id=slot.room_ids[0],
            service=service,
            plan=plan,
            session_number=session_number,
            start=slot.start,
            end=slot.end,
            blocked_until=slot.blocked_until,
            booked_by=booked_by,
            created_at=now,
            window_override_reason=reason,
            spacing_override_reason=spacing_reason,
        )
        _save(appointment)
        outbox.appointment_booked(appointment=appointment)
    return appointment


def _save(appointment: Appointment) -> None:
    """Insert or update in a savepoint: a lost race (an exclusion or unique constraint) must
    leave the transaction usable so the error can be reported cleanly."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        raise _map_integrity(error, session_number=appointment.session_number) from error


def change_deadline(appointment: Appointment) -> dt.datetime:
    """Until when the client may cancel or reschedule online."""
    return appointment.start - dt.timedelta(hours=settings.SPA_CANCELLATION_CUTOFF_HOURS)


def _check_cutoff(*, appointment: Appointment, by: User, now: dt.datetime) -> bool:
    """Whether the change is late (after the cut-off); refuses it for clients."""
    if not by.is_staff and appointment.client_id != by.pk:
        raise SchedulingError("not_your_appointment")
    late = now > change_deadline(appointment)
    if late and not by.is_staff:
        raise SchedulingError("cutoff_passed", hours=settings.SPA_CANCELLATION_CUTOFF_HOURS)
    return late


def _lock_booked(appointment: Appointment) -> Appointment:
    locked = (
        Appointment.objects.select_for_update(of=("self",)).select_related("plan", "service").get(pk=appointment.pk)
    )
    if locked.status != Appointment.Status.BOOKED:
        raise SchedulingError("not_active", status=locked.get_status_display().lower())
    return locked


def cancel_appointment(
    *, appointment: Appointment, by: User, now: dt.datetime | None = None, durable: bool = True
) -> Appointment:
    """Cancel a booked appointment. Clients until the cut-off; staff always (late ones recorded).

    ``durable=False``: inside a caller's transaction (``plans.end_plan`` cancels what is left).
    """
    now = now or timezone.now()
    if appointment.status != Appointment.Status.BOOKED:
        raise SchedulingError("not_active", status=appointment.get_status_display().lower())
    late = _check_cutoff(appointment=appointment, by=by, now=now)
    with transaction.atomic(durable=durable):
        # Re-read under a lock: a concurrent check-in or cancel must not be overwritten.
        locked = _lock_booked(appointment)
        locked.status = Appointment.Status.CANCELLED
        locked.cancelled_at = now
        locked.cancelled_by = by
        locked.late_cancellation = late
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "late_cancellation"])
        outbox.appointment_cancelled(appointment=locked)
    return locked


def _slot_for_move(
    *, locked: Appointment, start: dt.datetime, practitioner: Practitioner | None, now: dt.datetime, staff: bool
) -> Slot:
    """The slot a booked appointment moves to. "Anyone" keeps her practitioner when free."""
    plan = locked.plan
    if practitioner is None:
        kept = slots_at(
            service=locked.service,
            start=start,
            practitioner=locked.practitioner_id,
            min_depth_mm=plan.depth_min_mm if plan else None,
            now=now,
            enforce_notice=not staff,
            exclude_appointment_id=locked.pk,
        )
        if kept:
            return kept[0]
    return _free_slot(
        service=locked.service,
        start=start,
        practitioner=practitioner,
        plan=plan,
        now=now,
        staff=staff,
        exclude_appointment_id=locked.pk,
    )


def reschedule_appointment(
    *,
    appointment: Appointment,
    start: dt.datetime,
    practitioner: Practitioner | None = None,
    by: User,
    override_reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a booked appointment to ``start`` (and optionally another practitioner), atomically.

    The same row is updated in one transaction after the new slot is checked with this
    appointment left out of the busy set: the new time is held before the old one is freed, and
    a failure leaves the old booking untouched. The new time keeps her skin's spacing from
    every other needling of the same area, and her plan's order, both ways (clients refused,
    staff may override with a reason); later plan sessions now past their window's end are
    flagged for staff and the client.
    """
    now = now or timezone.now()
    staff = by.is_staff
    if timezone.is_naive(start):
        raise SchedulingError("not_offered", field="start")
    if appointment.status != Appointment.Status.BOOKED:
        raise SchedulingError("not_active", status=appointment.get_status_display().lower())
    _check_cutoff(appointment=appointment, by=by, now=now)
    _check_notice(start=start, now=now, staff=staff)
    service = appointment.service
    _check_practitioner(practitioner=practitioner, service=service)
    _check_depth(practitioner=practitioner, plan=appointment.plan)

    with transaction.atomic(durable=True):
        _lock_client(appointment.client)
        locked = _lock_booked(appointment)
        plan = locked.plan
        reason = locked.window_override_reason
        window = session_window(appointment=locked) if plan is not None else None
        if window is not None:
            reason = _check_window(window=window, start=start, staff=staff, override_reason=override_reason)
        end = start + dt.timedelta(minutes=service.duration_minutes)
        _check_client_free(client=locked.client, start=start, end=end, exclude_appointment_id=locked.pk)
        spacing_reason = check_spacing(
            client_id=locked.client_id,
            service=service,
            plan=plan,
            start=start,
            session_number=locked.session_number,
            staff=staff,
            override_reason=override_reason,
            exclude_appointment_id=locked.pk,
        )
        slot = _slot_for_move(locked=locked, start=start, practitioner=practitioner, now=now, staff=staff)
        previous_start = locked.start
        locked.start, locked.end, locked.blocked_until = slot.start, slot.end, slot.blocked_until
        locked.room_id = locked.room_id if locked.room_id in slot.room_ids else slot.room_ids[0]
        locked.practitioner_id = slot.practitioner_id
        locked.window_override_reason = reason
        locked.spacing_override_reason = spacing_reason
        if plan is not None:
            # It moved back into its window (checked above): that flag no longer holds; others do.
            locked.staff_flag = without_window_flag(locked.staff_flag)
        _save(locked)
        if plan is not None:
            for flagged in flag_sessions_outside_windows(plan=plan):
                outbox.appointment_flagged(appointment=flagged)
        outbox.appointment_rescheduled(appointment=locked, previous_start=previous_start)
    return locked
