"""One client, one skin: the rest her skin needs between two needlings of the same area.

Every needling appointment (``Service.is_needling``) of a client, with or without a plan, keeps
the minimum interval from every other active or completed needling of hers that treats an
overlapping area. A needling's area is its plan's area, or else the service's areas. The interval
between two needlings is the smaller minimum of the two rules involved: a plan's copied
``interval_min_weeks``, or ``SPA_NEEDLING_MIN_WEEKS`` (4) outside a plan.

Intervals count local calendar dates, like plan windows: a session on 1 December and a 4-week
interval allow the next one from 29 December, whatever the clock change in between.

Plan order is kept too: session N of a plan stays at least the plan's minimum interval before
session N+1 (``after_next_session`` when it would come after it).

The booking service calls ``check_spacing`` inside its transaction, after locking the client's
row, so two racing bookings cannot both pass it; availability calls ``blocked_days`` to offer
no date that would break it; ``manage.py check_bookings`` calls ``spacing_violations``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from scheduling.errors import SchedulingError
from scheduling.models import Appointment, TreatmentPlan
from spa.lib.time import local_date
from treatments.models import Service


class SlotLike(Protocol):
    start: dt.datetime


# Enough to step past every other needling of one client (each step passes one of them).
_MAX_STEPS = 50


@dataclass(frozen=True)
class Needling:
    """One needling of a client's skin, booked or proposed."""

    day: dt.date
    area_ids: frozenset[int]
    interval_weeks: int
    appointment_id: int | None = None
    plan_id: int | None = None
    session_number: int | None = None

    def rest(self, other: Needling) -> dt.timedelta:
        return dt.timedelta(weeks=min(self.interval_weeks, other.interval_weeks))

    def overlaps(self, other: Needling) -> bool:
        return bool(self.area_ids & other.area_ids)


def default_interval_weeks() -> int:
    return settings.SPA_NEEDLING_MIN_WEEKS


def needling_of(
    *, service: Service, plan: TreatmentPlan | None, day: dt.date, session_number: int | None = None
) -> Needling | None:
    """The needling a booking of ``service`` (for ``plan``) on ``day`` would be; None if none."""
    if not service.is_needling:
        return None
    if plan is not None:
        areas = frozenset([plan.area_id])
        weeks = plan.interval_min_weeks
    else:
        areas = frozenset(area.pk for area in service.areas.all())
        weeks = default_interval_weeks()
    return Needling(
        day=day,
        area_ids=areas,
        interval_weeks=weeks,
        plan_id=plan.pk if plan else None,
        session_number=session_number,
    )


def needling_from(appointment: Appointment) -> Needling:
    """The needling a booked (or done) appointment is: its plan's area, else its service's."""
    plan = appointment.plan
    if plan is not None:
        areas, weeks = frozenset([plan.area_id]), plan.interval_min_weeks
    else:
        areas, weeks = frozenset(a.pk for a in appointment.service.areas.all()), default_interval_weeks()
    return Needling(
        day=local_date(appointment.start),
        area_ids=areas,
        interval_weeks=weeks,
        appointment_id=appointment.pk,
        plan_id=appointment.plan_id,
        session_number=appointment.session_number,
    )


def client_needlings(*, client_id: int, exclude_appointment_id: int | None = None) -> list[Needling]:
    """Her active and completed needlings (booked, checked in or completed), in date order.

    Three queries whatever their number.
    """
    rows = (
        Appointment.objects.filter(
            client_id=client_id, status__in=Appointment.ACTIVE_STATUSES, service__is_needling=True
        )
        .exclude(pk=exclude_appointment_id)
        .select_related("plan", "service")
        .prefetch_related("service__areas")
        .order_by("start")
    )
    return [needling_from(row) for row in rows]


@dataclass(frozen=True)
class Conflict:
    """Why a needling on its day may not happen, and when it may."""

    code: str  # too_soon_after_needling | too_close_to_needling | after_next_session
    other: Needling
    weeks: int
    first_day: dt.date  # the first date on or after the one asked that keeps every rest
    last_day: dt.date | None = None  # a later session of the same plan: the latest date it allows

    def error(self, *, field: str = "start") -> SchedulingError:
        params = {
            "other": f"{self.other.day:%-d %B %Y}",
            "weeks": self.weeks,
            "first": f"{self.first_day:%-d %B %Y}",
        }
        if self.last_day is None:
            return SchedulingError(self.code, field=field, **params)
        message = _(
            "Session %(number)s of this plan is on %(other)s, and the sessions need %(weeks)s weeks between "
            "them: choose a date up to %(last)s."
        )
        return SchedulingError(
            self.code,
            str(message),
            field=field,
            number=self.other.session_number,
            last=f"{self.last_day:%-d %B %Y}",
            **params,
        )


def _clash(needling: Needling, other: Needling) -> bool:
    return needling.overlaps(other) and abs(needling.day - other.day) < needling.rest(other)


def first_free_day(needling: Needling, others: Iterable[Needling]) -> dt.date:
    """The first date on or after ``needling.day`` that keeps the rest from every other needling."""
    others = list(others)
    day = needling.day
    for _step in range(_MAX_STEPS):
        moved = Needling(day=day, area_ids=needling.area_ids, interval_weeks=needling.interval_weeks)
        clashes = [o for o in others if _clash(moved, o)]
        if not clashes:
            return day
        day = max(o.day + moved.rest(o) for o in clashes)
    return day


def _later_in_plan(needling: Needling, other: Needling) -> bool:
    return (
        needling.plan_id is not None
        and needling.plan_id == other.plan_id
        and needling.session_number is not None
        and other.session_number is not None
        and other.session_number > needling.session_number
    )


def conflicts(needling: Needling, others: Iterable[Needling]) -> list[Conflict]:
    """Every other needling this one breaks the rule with (nearest first)."""
    others = [o for o in others if o.appointment_id is None or o.appointment_id != needling.appointment_id]
    found = []
    for other in sorted(others, key=lambda o: abs(o.day - needling.day)):
        weeks = min(needling.interval_weeks, other.interval_weeks)
        if _clash(needling, other):
            code = "too_soon_after_needling" if other.day <= needling.day else "too_close_to_needling"
        elif _later_in_plan(needling, other) and needling.day > other.day:
            code = "after_next_session"
        else:
            continue
        last = other.day - dt.timedelta(weeks=weeks) if _later_in_plan(needling, other) else None
        found.append(
            Conflict(code=code, other=other, weeks=weeks, first_day=first_free_day(needling, others), last_day=last)
        )
    return found


def check_spacing(
    *,
    client_id: int,
    service: Service,
    plan: TreatmentPlan | None,
    start: dt.datetime,
    session_number: int | None,
    staff: bool,
    override_reason: str,
    exclude_appointment_id: int | None = None,
) -> str:
    """Refuse a needling too close to another of an overlapping area; return the staff reason.

    Clients are refused (``too_soon_after_needling``, ``too_close_to_needling``,
    ``after_next_session``: 400, naming the first date she may book). Staff may override with a
    reason, which the caller records; without one they get the same error. Returns '' when the
    rule holds. Call it inside the booking transaction, after locking the client's row.
    """
    needling = needling_of(service=service, plan=plan, day=local_date(start), session_number=session_number)
    if needling is None:
        return ""
    found = conflicts(needling, client_needlings(client_id=client_id, exclude_appointment_id=exclude_appointment_id))
    if not found:
        return ""
    if staff and override_reason.strip():
        return override_reason.strip()
    raise found[0].error()


def blocked_days(
    *,
    client_id: int,
    service: Service,
    plan: TreatmentPlan | None,
    session_number: int | None = None,
    exclude_appointment_id: int | None = None,
) -> list[tuple[dt.date, dt.date]]:
    """Local date ranges (both included) on which ``service`` would break her spacing, or come
    after a later session of the same plan than ``session_number``.

    What availability leaves out for a signed-in client (or staff booking for one).
    """
    probe = needling_of(service=service, plan=plan, day=dt.date.min, session_number=session_number)
    if probe is None:
        return []
    ranges = []
    for other in client_needlings(client_id=client_id, exclude_appointment_id=exclude_appointment_id):
        if _later_in_plan(probe, other):
            ranges.append((other.day - probe.rest(other) + dt.timedelta(days=1), dt.date.max))
        elif probe.overlaps(other):
            rest = probe.rest(other) - dt.timedelta(days=1)
            ranges.append((other.day - rest, other.day + rest))
    return ranges


def personal_filter(
    *,
    client_id: int,
    service: Service,
    plan: TreatmentPlan | None,
    session_number: int | None = None,
    exclude_appointment_id: int | None = None,
) -> Callable[[SlotLike], bool]:
    """Whether a free slot suits her: no day her skin needs rest, and no time she is already
    booked. Two queries, then no more per slot."""
    ranges = blocked_days(
        client_id=client_id,
        service=service,
        plan=plan,
        session_number=session_number,
        exclude_appointment_id=exclude_appointment_id,
    )
    busy = list(
        Appointment.objects.filter(client_id=client_id, status__in=Appointment.ACTIVE_STATUSES)
        .exclude(pk=exclude_appointment_id)
        .values_list("start", "end")
    )
    length = dt.timedelta(minutes=service.duration_minutes)

    def suits(slot: SlotLike) -> bool:
        if ranges and is_blocked(local_date(slot.start), ranges):
            return False
        return not any(start < slot.start + length and end > slot.start for start, end in busy)

    return suits


def is_blocked(day: dt.date, ranges: Iterable[tuple[dt.date, dt.date]]) -> bool:
    return any(low <= day <= high for low, high in ranges)


def spacing_violations(needlings: list[Needling]) -> list[tuple[Needling, Conflict]]:
    """Every needling among one client's that breaks the rule, with the conflict (each clashing
    pair once)."""
    found = []
    seen: set[frozenset[int | None]] = set()
    for needling in needlings:
        for conflict in conflicts(needling, needlings):
            pair = frozenset([needling.appointment_id, conflict.other.appointment_id])
            if pair not in seen:
                seen.add(pair)
                found.append((needling, conflict))
    return found
