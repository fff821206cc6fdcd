"""Reads of the spa's time: the appointments a change of hours or time off would strand."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from scheduling.models import Appointment, Practitioner

# --- Working hours ---------------------------------------------------------------------------


def appointments_during(*, practitioner: Practitioner | None, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Booked or checked-in appointments overlapping [start, end) (of one practitioner, or all)."""
    rows = Appointment.objects.filter(
        status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN], start__lt=end, blocked_until__gt=start
    ).select_related("client", "practitioner", "service")
    return rows.filter(practitioner=practitioner) if practitioner else rows
