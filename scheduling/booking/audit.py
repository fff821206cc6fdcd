"""Which active appointments break a booking rule: the read behind ``manage.py check_bookings``.

The services refuse a breaking booking as it is made; this finds any that got in another way
(imported data, a rule tightened since, a staff override) so that someone looks at them. A staff
override with a recorded reason is not a breach: it is listed only with ``overrides=True``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduling.booking.spacing import conflicts, needling_from
from scheduling.models import Appointment

# Booked or checked in: still to happen, so still to put right.
_OPEN = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)


@dataclass(frozen=True)
class Breach:
    appointment: Appointment
    code: str
    message: str


def _spacing(rows: list[Appointment], *, overrides: bool) -> list[Breach]:
    needlings = {a.pk: needling_from(a) for a in rows if a.service.is_needling}
    found = []
    for appointment in rows:
        mine = needlings.get(appointment.pk)
        if appointment.status not in _OPEN or mine is None:
            continue
        if appointment.spacing_override_reason and not overrides:
            continue
        for conflict in conflicts(mine, needlings.values()):
            found.append(Breach(appointment, conflict.code, conflict.error().message))
    return found


def _overlaps(rows: list[Appointment]) -> list[Breach]:
    found = []
    ordered = sorted(rows, key=lambda a: a.start)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end and after.status in _OPEN:
            found.append(
                Breach(after, "client_busy", f"Overlaps appointment {before.pk} at {before.start:%Y-%m-%d %H:%M}.")
            )
    return found


def _plan_service(appointment: Appointment) -> list[Breach]:
    plan = appointment.plan
    if plan is None or appointment.status not in _OPEN or appointment.service_id == plan.service_id:
        return []
    service = appointment.service
    if service.is_needling and plan.area_id in {a.pk for a in service.areas.all()}:
        return []
    return [Breach(appointment, "wrong_service_for_plan", f"{service} is not a needling of the {plan.area}.")]


def booking_breaches(*, overrides: bool = False) -> list[Breach]:
    """Every open appointment breaking spacing, her diary or its plan's service. Four queries."""
    rows = list(
        Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
        .select_related("plan__area", "service", "client")
        .prefetch_related("service__areas")
        .order_by("client_id", "start")
    )
    by_client: dict[int, list[Appointment]] = defaultdict(list)
    for row in rows:
        by_client[row.client_id].append(row)
    found: list[Breach] = []
    for mine in by_client.values():
        found += _spacing(mine, overrides=overrides)
        found += _overlaps(mine)
        for appointment in mine:
            found += _plan_service(appointment)
    return sorted(found, key=lambda b: (b.appointment.start, b.code))
