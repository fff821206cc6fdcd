"""The point of care, part two: the session record. Every needling gets one, with or without a
plan; only a service that does not needle (the consultation) has none.

A record is accepted only for a session that happened (checked in, start time passed), from a
practitioner, and within every depth rule no reason lifts (DOMAIN.md "Area ceilings"):

- the recording practitioner's own limit (``depth_over_limit``);
- the booked practitioner's limit (``depth_over_booked_practitioner``);
- 1.5 mm unless the plan's concern is scarring (``depth_over_concern``; a session without a plan
  has no concern and is held to it);
- each treated area's ceiling (``depth_over_area``);
- 2.0 mm and 0.25 mm (``depth_over_ceiling``, ``depth_below_floor``).

Inside those, a depth outside the plan's range needs a reason of a few words
(``depth_out_of_range``). Areas must lie within the plan's area, or the service's areas without
a plan (``area_not_in_plan``). The record is validated as a whole: every problem is reported at
once, depth and area problems first, then the timing (``not_started``), so staff learn of a
wrong depth at once. The page, the API (``complete``) and the admin (read-only) all go through
``record_session``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import User
from scheduling.care import reactions
from scheduling.care.rules import reason_is_enough, recording_practitioner
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, PlanSession, Practitioner, TreatmentPlan
from scheduling.notifications import outbox
from spa.lib.time import local_now
from treatments.models import DEPTH_CEILING, DEPTH_FLOOR, NON_SCARRING_CEILING, Product, TreatmentArea


def _mm(value: Decimal) -> str:
    return f"{value:.2f}"


def hard_depth_problems(
    *,
    depth: Decimal,
    recorder: Practitioner,
    booked: Practitioner,
    scarring: bool,
    concern_name: str,
    areas: Sequence[TreatmentArea],
) -> list[SchedulingError]:
    """Every depth rule that no reason lifts, each broken one as an error."""
    field = "depth_used_mm"
    problems = []
    if depth < DEPTH_FLOOR:
        problems.append(SchedulingError("depth_below_floor", field=field))
    if depth > DEPTH_CEILING:
        problems.append(SchedulingError("depth_over_ceiling", field=field))
    if depth > recorder.max_depth_mm:
        own = str(SchedulingError.ERROR_MESSAGES["depth_over_limit_record"])
        problems.append(
            SchedulingError(
                "depth_over_limit",
                own,
                field=field,
                practitioner=recorder.display_name,
                limit=_mm(recorder.max_depth_mm),
            )
        )
    if booked.pk != recorder.pk and depth > booked.max_depth_mm:
        problems.append(
            SchedulingError(
                "depth_over_booked_practitioner",
                field=field,
                practitioner=booked.display_name,
                limit=_mm(booked.max_depth_mm),
            )
        )
    if not scarring and depth > NON_SCARRING_CEILING:
        problems.append(SchedulingError("depth_over_concern", field=field, concern=concern_name))
    for area in areas:
        ceiling = area.ceiling_for(scarring=scarring)
        if depth > ceiling:
            problems.append(SchedulingError("depth_over_area", field=field, area=area.name, limit=_mm(ceiling)))
    return problems


def record_problems(
    *,
    appointment: Appointment,
    plan: TreatmentPlan | None,
    recorder: Practitioner,
    depth: Decimal,
    areas: Sequence[TreatmentArea],
    reaction: str,
    reason: str,
    now: dt.datetime,
) -> list[SchedulingError]:
    """Everything wrong with a record, depth and areas first, then the timing."""
    scarring = plan.concern.is_scarring if plan else False
    concern_name = plan.concern.name if plan else "A session without a plan"
    problems = hard_depth_problems(
        depth=depth,
        recorder=recorder,
        booked=appointment.practitioner,
        scarring=scarring,
        concern_name=concern_name,
        areas=areas,
    )
    in_range = plan is None or plan.depth_min_mm <= depth <= plan.depth_max_mm
    if not problems and not in_range and not reason_is_enough(reason):
        problems.append(
            SchedulingError(
                "depth_out_of_range",
                field="depth_used_mm",
                depth=_mm(depth),
                low=_mm(plan.depth_min_mm),
                high=_mm(plan.depth_max_mm),
            )
        )
    allowed = {plan.area_id} if plan else set(appointment.service.areas.values_list("pk", flat=True))
    if not areas:
        problems.append(SchedulingError("areas_required", field="areas"))
    outside = [a.name for a in areas if a.pk not in allowed]
    if outside:
        where = f"this plan's area ({plan.area.name})" if plan else f"the areas of {appointment.service.name}"
        problems.append(SchedulingError("area_not_in_plan", field="areas", areas=", ".join(outside), where=where))
    if reaction not in PlanSession.Reaction.values:
        problems.append(SchedulingError("bad_reaction", field="reaction", reaction=reaction))
    if appointment.status != Appointment.Status.CHECKED_IN:
        problems.append(SchedulingError("not_started", reason="check her in first"))
    elif now < appointment.start:
        problems.append(SchedulingError("not_started", reason=f"it starts at {local_now(appointment.start):%H:%M}"))
    return problems


def _refuse(problems: list[SchedulingError]) -> SchedulingError:
    """One error carrying every problem (``problems``); its code and field are the first one's."""
    first = problems[0]
    error = SchedulingError(first.code, " ".join(p.message for p in problems), field=first.field)
    error.problems = problems
    return error


def _lock(appointment: Appointment) -> tuple[Appointment, TreatmentPlan | None]:
    # Lock, then re-read: two staff recording the same session, or a cancel racing it.
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner", "service", "client", "client__client_profile")
        .get(pk=appointment.pk)
    )
    if locked.status not in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN):
        raise SchedulingError("wrong_status", status=locked.get_status_display().lower())
    if locked.plan_id is None:
        return locked, None
    plan = TreatmentPlan.objects.select_for_update().select_related("concern", "area").get(pk=locked.plan_id)
    if plan.status == TreatmentPlan.Status.ON_HOLD:
        raise SchedulingError("plan_on_hold", reason=plan.hold_reason or "a reaction was reported")
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise SchedulingError("plan_not_active")
    return locked, plan


def _save_record(record: PlanSession, *, areas: list[TreatmentArea], products: list[Product]) -> None:
    """Validate and insert the record with its areas and products; a second record of the same
    appointment (a race the lock lost, or a repeat) is ``wrong_status``."""
    record.full_clean(exclude=["appointment"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise SchedulingError("wrong_status", status="already recorded") from error
    record.areas.set(areas)
    record.products.set(products)


def record_session(
    *,
    appointment: Appointment,
    depth_used_mm: Decimal,
    areas: Iterable[TreatmentArea],
    products: Iterable[Product],
    reaction: str,
    notes: str,
    depth_override_reason: str = "",
    by: User,
    now: dt.datetime | None = None,
) -> PlanSession:
    """Record what was done in a needling session and complete the appointment (and, with its
    last session, the plan). Queues the aftercare (outbox) in the same transaction; a strong
    reaction also opens an alert and puts the plan on hold (``scheduling.care.reactions``).

    Raises ``SchedulingError``: ``staff_only`` / ``not_a_practitioner`` (403), ``not_needling``,
    ``wrong_status``, ``plan_on_hold``, or one error listing every problem of the record.
    """
    now = now or timezone.now()
    recorder = recording_practitioner(by)
    if not appointment.service.is_needling:
        raise SchedulingError("not_needling")
    areas, products = list(areas), list(products)
    depth = Decimal(depth_used_mm)
    reason = " ".join(depth_override_reason.split())
    with transaction.atomic(durable=True):
        locked, plan = _lock(appointment)
        problems = record_problems(
            appointment=locked,
            plan=plan,
            recorder=recorder,
            depth=depth,
            areas=areas,
            reaction=reaction,
            reason=reason,
            now=now,
        )
        if problems:
            raise _refuse(problems)
        in_range = plan is None or plan.depth_min_mm <= depth <= plan.depth_max_mm
        record = PlanSession(
            plan=plan,
            number=(locked.session_number or plan.sessions.count() + 1) if plan else None,
            appointment=locked,
            depth_used_mm=depth,
            depth_override_reason="" if in_range else reason[:300],
            reaction=reaction,
            notes=notes.strip(),
            completed_at=now,
            recorded_by=by,
        )
        _save_record(record, areas=areas, products=products)
        locked.status = Appointment.Status.COMPLETED
        locked.completed_at = now
        locked.save(update_fields=["status", "completed_at"])
        if plan is not None and plan.sessions.count() >= plan.sessions_planned:
            plan.status = TreatmentPlan.Status.COMPLETED
            plan.save(update_fields=["status"])
        outbox.session_completed(session=record, now=now)
        if reaction == PlanSession.Reaction.STRONG:
            reactions.strong_reaction_recorded(record=record, now=now)
    return record
