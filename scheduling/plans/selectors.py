"""Reads of treatment plans: the plans a user may see, a plan's session timeline, the depth to suggest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clients.models import User
from scheduling.models import Appointment, PlanSession, TreatmentPlan
from scheduling.plans.windows import (
    Window,
    active_appointments_prefetch,
    active_sessions,
    next_window,
    session_windows,
)
from spa.lib.time import local_date
from treatments.models import DEPTH_FLOOR

#: Depth moves in 0.25 mm steps (DOMAIN.md practice notes); a reaction steps it down one.
DEPTH_STEP = Decimal("0.25")


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
