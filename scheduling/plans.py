"""Treatment plans: starting one, proposing and booking the whole course, recording sessions,
suggesting the next depth, extending and ending plans, results ratings and photos.

The plan copies the rule it was created under (depth range, sessions, interval): rules change,
plans keep their word. Windows between sessions live in ``scheduling.windows``; booking one
session in ``scheduling.booking`` (which enforces the window and the practitioner's limit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clients.models import User
from scheduling.availability import Slot, available_slots
from scheduling.booking import book_appointment, cancel_appointment
from scheduling.care_rules import DEPTH_STEP
from scheduling.errors import SchedulingError
from scheduling.fit import course_practitioners
from scheduling.models import Appointment, PlanSession, Practitioner, SessionPhoto, TreatmentPlan
from scheduling.spacing import personal_filter
from scheduling.windows import (
    Window,
    active_appointments_prefetch,
    active_sessions,
    next_window,
    session_windows,
    window_after,
)
from spa.lib.time import local_date, local_datetime, spa_zone
from spa.lib.uploads import UploadRejected, checked_image
from treatments.models import DEPTH_FLOOR
from treatments.selectors import recommend

# Session 1 has no window: the course proposal looks this far ahead for its first free time.
FIRST_SESSION_SEARCH_DAYS = 28


# --- Reads ---------------------------------------------------------------------------------


def plans_with_details() -> QuerySet[TreatmentPlan]:
    """Plans with everything the timeline needs, in a constant number of queries."""
    return TreatmentPlan.objects.select_related("concern", "area", "service", "client").prefetch_related(
        active_appointments_prefetch(),
        Prefetch(
            "sessions",
            queryset=PlanSession.objects.order_by("number").prefetch_related("areas", "products", "photos"),
        ),
    )


def plans_visible_to(user: User) -> QuerySet[TreatmentPlan]:
    """Staff see every plan; a client only her own (another client's plan is a 404)."""
    plans = plans_with_details()
    return plans if user.is_staff else plans.filter(client=user)


@dataclass(frozen=True)
class SessionRow:
    """One session of a plan's timeline."""

    number: int
    window: Window | None
    appointment: Appointment | None
    record: PlanSession | None
    status: str  # completed, checked_in, booked, to_book, window_closed, waiting, not_booked

    @property
    def is_next(self) -> bool:
        return self.status in ("to_book", "window_closed")


def plan_timeline(plan: TreatmentPlan, *, now: dt.datetime | None = None) -> list[SessionRow]:
    """The sessions of a plan with their windows, appointments and records (no query when the
    plan comes from ``plans_with_details``)."""
    today = local_date(now or timezone.now())
    booked = active_sessions(plan)
    records = {s.number: s for s in plan.sessions.all()}
    windows = session_windows(plan, booked=booked)
    upcoming = next_window(plan, booked=booked)
    last = max([plan.sessions_planned, *records, *booked])
    rows = []
    for number in range(1, last + 1):
        window = windows[number - 1] if number <= len(windows) else None
        appointment = booked.get(number)
        record = records.get(number)
        if record is not None:
            status = "completed"
        elif appointment is not None:
            status = appointment.status
        elif upcoming is not None and upcoming.number == number:
            # The window bounds the session's date, not the day she books: she may book ahead.
            window = upcoming
            status = "window_closed" if upcoming.has_closed(today) else "to_book"
        elif plan.status == TreatmentPlan.Status.ACTIVE:
            status = "waiting"
        else:
            status = "not_booked"
        rows.append(SessionRow(number=number, window=window, appointment=appointment, record=record, status=status))
    return rows


def suggested_depth_from(plan: TreatmentPlan, records: Iterable[PlanSession]) -> Decimal:
    last = max(records, key=lambda s: s.number or 0, default=None)
    if last is None:
        return plan.depth_min_mm
    depth = last.depth_used_mm
    if last.reaction in (PlanSession.Reaction.NONE, PlanSession.Reaction.MILD):
        depth += DEPTH_STEP
    suggested = min(max(depth, plan.depth_min_mm), plan.depth_max_mm)
    # After a strong reaction, an adverse event or her report of a problem: never deeper than
    # the last depth minus 0.25 mm, even below the plan's range (DOMAIN.md: step down, never up).
    caps = [last.next_depth_cap_mm] if last.next_depth_cap_mm is not None else []
    if last.reaction == PlanSession.Reaction.STRONG:
        caps.append(last.depth_used_mm - DEPTH_STEP)
    suggested = min([suggested, *caps, plan.area.ceiling_for(scarring=plan.concern.is_scarring)])
    return max(suggested, DEPTH_FLOOR)


def suggested_depth(*, plan: TreatmentPlan) -> Decimal:
    """The depth to start the next session with.

    The range's minimum first; then the last session's depth, 0.25 mm deeper when it was well
    tolerated (reaction none or mild), the same after a moderate reaction; inside the plan's
    range and the area's ceiling (DOMAIN.md: start low, raise in 0.25 mm steps as the skin
    tolerates it). After a strong reaction or a reported problem, at most the last depth minus
    0.25 mm.
    """
    return suggested_depth_from(plan, plan.sessions.all())


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


@dataclass(frozen=True)
class Proposal:
    """A proposed time for one remaining session of a plan."""

    number: int
    start: dt.datetime
    end: dt.datetime
    practitioner: Practitioner
    window: Window
    same_time: bool  # same practitioner, weekday and time as the session before it

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "practitioner": {"id": self.practitioner.pk, "name": self.practitioner.display_name},
            **self.window.as_dict(),
            "same_time": self.same_time,
        }


def _remaining(plan: TreatmentPlan, booked: dict[int, Appointment]) -> list[int]:
    return [n for n in range(1, plan.sessions_planned + 1) if n not in booked]


def _pick(
    slots: Sequence[Slot],
    *,
    practitioner_id: int | None,
    anchor: dt.datetime | None,
    ideal: dt.datetime | None,
) -> tuple[Slot, bool] | None:
    """The best slot: same practitioner, weekday and time as ``anchor`` (earliest such week),
    else the one nearest ``ideal`` with the same practitioner, else the nearest with anyone."""
    if not slots:
        return None
    if anchor is not None:
        local = anchor.astimezone(spa_zone())
        for slot in slots:
            start = slot.start.astimezone(spa_zone())
            if (
                slot.practitioner_id == practitioner_id
                and start.weekday() == local.weekday()
                and start.time() == local.time()
            ):
                return slot, True
    mine = [s for s in slots if s.practitioner_id == practitioner_id]
    pool = mine or list(slots)
    if ideal is None:
        return pool[0], False
    return min(pool, key=lambda s: (abs((s.start - ideal).total_seconds()), s.start)), False


def _candidates(*, plan: TreatmentPlan, number: int, window: Window, today: dt.date, now: dt.datetime) -> list[Slot]:
    """Free times for session ``number`` that suit her: inside its window, or for a first
    session the first pages of FIRST_SESSION_SEARCH_DAYS days that have any; none on a day her
    skin rests from another needling, none while she is booked (scheduling.spacing)."""
    suits = personal_filter(client_id=plan.client_id, service=plan.service, plan=plan, session_number=number)
    if window.start is not None:
        pages = [(window.start, window.end)]
    else:
        days = FIRST_SESSION_SEARCH_DAYS
        pages = [(today + dt.timedelta(days=days * n), today + dt.timedelta(days=days * (n + 1) - 1)) for n in range(4)]
    for start_date, end_date in pages:
        slots = available_slots(
            service=plan.service,
            start_date=start_date,
            end_date=end_date,
            window=window,
            min_depth_mm=plan.depth_max_mm,  # who can give the whole course (scheduling/fit.py)
            now=now,
        )
        slots = [slot for slot in slots if suits(slot)]
        if slots:
            return slots
    return []


def propose_course(
    *, plan: TreatmentPlan, practitioner: Practitioner | None = None, now: dt.datetime | None = None
) -> list[Proposal]:
    """Times for every remaining session, each inside its window.

    Each session keeps the practitioner, weekday and time of the session before it where that
    is free in the window; otherwise the free time nearest to it (same practitioner first). The
    first session, when not booked yet, takes the earliest free time. Only practitioners whose
    limit covers the plan's *maximum* depth are considered: the depth rises session by session,
    and a practitioner who cannot finish the course must not start it. Raises
    ``no_practitioner_for_course`` when nobody can, ``no_slot_in_window`` when a window has no
    free time at all.
    """
    now = now or timezone.now()
    check_plan_bookable(plan)
    booked = active_sessions(plan)
    remaining = _remaining(plan, booked)
    if not remaining:
        raise SchedulingError("plan_complete", field="plan")
    if practitioner is not None and practitioner.max_depth_mm < plan.depth_max_mm:
        raise SchedulingError(
            "depth_over_practitioner",
            field="practitioner",
            practitioner=practitioner.display_name,
            limit=practitioner.max_depth_mm,
        )
    if not course_practitioners(plan).exists():
        raise SchedulingError("no_practitioner_for_course", field="plan", depth=plan.depth_max_mm)
    today = local_date(now)
    previous: dict[int, tuple[dt.datetime, int]] = {n: (a.start, a.practitioner_id) for n, a in booked.items()}
    chosen: list[tuple[int, Slot, Window, bool]] = []
    for number in remaining:
        before = previous.get(number - 1)
        window = window_after(plan, number=number, previous_start=before[0] if before else None)
        preferred = practitioner.pk if practitioner is not None else (before[1] if before else None)
        anchor = ideal = None
        if window.start is not None:
            anchor = before[0]
            ideal = local_datetime(window.start, anchor.astimezone(spa_zone()).time())
        slots = _candidates(plan=plan, number=number, window=window, today=today, now=now)
        picked = _pick(slots, practitioner_id=preferred, anchor=anchor, ideal=ideal)
        if picked is None:
            raise SchedulingError("no_slot_in_window", number=number, window=window.describe())
        slot, same = picked
        chosen.append((number, slot, window, same))
        previous[number] = (slot.start, slot.practitioner_id)
    people = Practitioner.objects.in_bulk([slot.practitioner_id for _, slot, _, _ in chosen])
    return [
        Proposal(
            number=number,
            start=slot.start,
            end=slot.end,
            practitioner=people[slot.practitioner_id],
            window=window,
            same_time=same,
        )
        for number, slot, window, same in chosen
    ]


def proposals_from(*, plan: TreatmentPlan, items: Sequence[tuple[int, dt.datetime, int]]) -> list[Proposal]:
    """Proposals posted back by a confirmation form (``(number, start, practitioner id)``), with
    their windows chained as booking them in order will check them. ``book_course`` re-checks
    everything (free time, window, depth), so a tampered item is refused there."""
    people = Practitioner.objects.in_bulk([pk for _, _, pk in items])
    booked = active_sessions(plan)
    previous = {n: a.start for n, a in booked.items()}
    proposals = []
    for number, start, practitioner_id in items:
        person = people.get(practitioner_id)
        if person is None:
            raise SchedulingError("unknown_practitioner", field="practitioner")
        window = window_after(plan, number=number, previous_start=previous.get(number - 1))
        end = start + dt.timedelta(minutes=plan.service.duration_minutes)
        proposals.append(
            Proposal(number=number, start=start, end=end, practitioner=person, window=window, same_time=False)
        )
        previous[number] = start
    return proposals


def book_course(
    *, plan: TreatmentPlan, proposals: Sequence[Proposal], booked_by: User, now: dt.datetime | None = None
) -> list[Appointment]:
    """Book every proposed session in one transaction: all of them or none.

    Each booking goes through ``book_appointment`` (screening, window, depth limit, free slot),
    so a time taken meanwhile refuses the whole course (``slot_taken``, 409) and nothing is
    booked. The proposals must cover exactly the sessions still to book, in order.
    """
    now = now or timezone.now()
    check_plan_bookable(plan)
    expected = _remaining(plan, active_sessions(plan))
    if not proposals or [p.number for p in proposals] != expected:
        raise SchedulingError("course_changed")
    appointments = []
    with transaction.atomic(durable=True):
        for proposal in proposals:
            appointments.append(
                book_appointment(
                    client=plan.client,
                    service=plan.service,
                    start=proposal.start,
                    practitioner=proposal.practitioner,
                    plan=plan,
                    booked_by=booked_by,
                    now=now,
                    durable=False,
                )
            )
    return appointments


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
