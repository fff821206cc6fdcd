"""Treatment plans: starting one, proposing and booking the whole course, recording sessions,
suggesting the next depth, extending and ending plans, results ratings and photos.

The plan copies the rule it was created under (depth range, sessions, interval): rules change,
plans keep their word. Windows between sessions live in ``scheduling.plans.windows``; booking one
session in ``scheduling.booking.services`` (which enforces the window and the practitioner's limit).
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clients.models import User
from scheduling.booking.services import cancel_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, PlanSession, SessionPhoto, TreatmentPlan
from spa.lib.uploads import UploadRejected, checked_image
from treatments.selectors import recommend

# --- Reads ---------------------------------------------------------------------------------


def check_plan_bookable(plan: TreatmentPlan) -> None:
    """Refuse a plan on hold (``plan_on_hold``, 403) or ended (``plan_not_active``)."""
    if plan.status == TreatmentPlan.Status.ON_HOLD:
        raise SchedulingError("plan_on_hold", field="plan", reason=plan.hold_reason or "a reaction was reported")
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise SchedulingError("plan_not_active", field="plan")


# --- Starting a plan -----------------------------------------------------------------------


def start_plan(
    *, client: User, concern: str, area: str, created_by: User, now: dt.datetime | None = None
) -> TreatmentPlan:
    """Start a plan for ``client`` from the recommendation for ``concern`` on ``area`` (slugs).

    The rule is copied into the plan. Raises ``TreatmentsError`` for an unknown concern, area
    or pair, ``SchedulingError`` when no service covers the area or she already has an active
    plan for the pair.
    """
    now = now or timezone.now()
    if created_by.pk != client.pk and not created_by.is_staff:
        raise SchedulingError("staff_only")
    rec = recommend(concern=concern, area=area)
    if rec.service is None:
        raise SchedulingError("no_service", field="area", area=rec.area.name.lower())
    with transaction.atomic(durable=True):
        # Lock the client's row so two clicks cannot start the same plan twice.
        User.objects.select_for_update().filter(pk=client.pk).first()
        if TreatmentPlan.objects.filter(
            client=client,
            concern=rec.concern,
            area=rec.area,
            status__in=[TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.ON_HOLD],
        ).exists():
            raise SchedulingError("plan_exists", concern=rec.concern.name, area=rec.area.on_phrase)
        plan = TreatmentPlan(
            client=client,
            concern=rec.concern,
            area=rec.area,
            service=rec.service,
            depth_min_mm=rec.depth_min_mm,
            depth_max_mm=rec.depth_max_mm,
            sessions_planned=rec.sessions_initial,
            sessions_max=rec.sessions_max,
            interval_min_weeks=rec.interval_min_weeks,
            interval_max_weeks=rec.interval_max_weeks,
            created_by=created_by,
            created_at=now,
        )
        plan.full_clean()
        plan.save()
    return plan


# --- The whole course ----------------------------------------------------------------------


# --- Plan life -----------------------------------------------------------------------------


def extend_plan(*, plan: TreatmentPlan, by: User, sessions: int = 1) -> TreatmentPlan:
    """Add sessions to a plan, up to the maximum copied from its rule. Staff only.

    A completed plan extended becomes active again; a cancelled one stays ended.
    """
    if not by.is_staff:
        raise SchedulingError("staff_only")
    if sessions < 1:
        raise SchedulingError("bad_extension", field="sessions")
    with transaction.atomic(durable=True):
        locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status == TreatmentPlan.Status.CANCELLED:
            raise SchedulingError("plan_not_active")
        if locked.sessions_planned + sessions > locked.sessions_max:
            raise SchedulingError("plan_at_max", field="sessions", max=locked.sessions_max)
        locked.sessions_planned += sessions
        if locked.status != TreatmentPlan.Status.ON_HOLD:  # a hold is released only with a note
            locked.status = TreatmentPlan.Status.ACTIVE
        locked.save(update_fields=["sessions_planned", "status"])
    return locked


def end_plan(*, plan: TreatmentPlan, reason: str, by: User, now: dt.datetime | None = None) -> TreatmentPlan:
    """End an active plan early with a reason (staff); its booked sessions are cancelled."""
    now = now or timezone.now()
    if not by.is_staff:
        raise SchedulingError("staff_only")
    if not reason.strip():
        raise SchedulingError("reason_required", field="reason")
    with transaction.atomic(durable=True):
        locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status not in (TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.ON_HOLD):
            raise SchedulingError("plan_not_active")
        for appointment in locked.appointments.filter(status=Appointment.Status.BOOKED):
            cancel_appointment(appointment=appointment, by=by, now=now, durable=False)
        locked.status = TreatmentPlan.Status.CANCELLED
        locked.ended_reason = reason.strip()[:300]
        locked.save(update_fields=["status", "ended_reason"])
    return locked


# --- Results -------------------------------------------------------------------------------


def session_client_id(session: PlanSession) -> int:
    """Whose session record this is (a plan's client, or the appointment's without a plan)."""
    return session.plan.client_id if session.plan_id else session.appointment.client_id


def rate_session(
    *, session: PlanSession, client: User, rating: int, comment: str = "", now: dt.datetime | None = None
) -> PlanSession:
    """The client rates her results after a session (1–5); rating again replaces it."""
    now = now or timezone.now()
    if session_client_id(session) != client.pk:
        raise SchedulingError("not_your_session")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise SchedulingError("bad_rating", field="rating")
    with transaction.atomic(durable=True):
        PlanSession.objects.filter(pk=session.pk).update(
            results_rating=rating, results_comment=comment.strip(), rated_at=now
        )
    session.results_rating, session.results_comment, session.rated_at = rating, comment.strip(), now
    return session


def attach_photo(*, session: PlanSession, kind: str, file: UploadedFile, by: User) -> SessionPhoto:
    """Staff attach a before/after photo; stored under MEDIA_ROOT, served only through a view
    that checks access."""
    if not by.is_staff:
        raise SchedulingError("staff_only")
    if kind not in SessionPhoto.Kind.values:
        raise SchedulingError("bad_photo", field="kind")
    try:
        # Decoded and re-encoded by the server; the declared type and the name are ignored.
        checked = checked_image(file)
    except UploadRejected as error:
        raise SchedulingError("bad_photo", error.message, field="image") from error
    with transaction.atomic(durable=True):
        photo = SessionPhoto(session=session, kind=kind, image=checked.content, uploaded_by=by)
        photo.save()
    return photo
