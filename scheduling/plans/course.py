"""The whole course at once: propose a time for every remaining session of a plan, then book them together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clients.models import User
from scheduling.booking.services import book_appointment
from scheduling.booking.spacing import personal_filter
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Practitioner, TreatmentPlan
from scheduling.plans.fit import course_practitioners
from scheduling.plans.services import check_plan_bookable
from scheduling.plans.windows import (
    Window,
    active_sessions,
    window_after,
)
from scheduling.resources.availability import Slot, available_slots
from spa.lib.time import local_date, local_datetime, spa_zone

# Session 1 has no window: the course proposal looks this far ahead for its first free time.
FIRST_SESSION_SEARCH_DAYS = 28


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
    skin rests from another needling, none while she is booked (scheduling.booking.spacing)."""
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
