"""Helpers of the booking tests: future local dates, a plan written directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from clients.models import User
from scheduling.models import TreatmentPlan
from spa.lib.time import local_datetime
from treatments.models import Concern, Service, TreatmentArea


def monday(weeks_ahead: int = 1) -> dt.date:
    """A Monday at least ``weeks_ahead`` weeks from today (local)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday() + 7 * (weeks_ahead - 1))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local_datetime(day, dt.time(hour, minute))


def make_plan(client: User, *, depth_min: str = "0.50", sessions: int = 3, **fields: object) -> TreatmentPlan:
    """A plan on the face service, 4–6 weeks between sessions."""
    return TreatmentPlan.objects.create(
        client=client,
        concern=Concern.objects.get(slug="fine_lines"),
        area=TreatmentArea.objects.get(slug="cheeks"),
        service=Service.objects.get(slug="microneedling-face"),
        depth_min_mm=Decimal(depth_min),
        depth_max_mm=Decimal("2.00") if Decimal(depth_min) > 1 else Decimal("1.00"),
        sessions_planned=sessions,
        sessions_max=max(sessions, 4),
        interval_min_weeks=4,
        interval_max_weeks=6,
        **fields,
    )
