"""Reads of the point of care: open alerts, a client's care record, depths recorded outside a plan's range."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from clients.models import User
from scheduling.models import AdverseEvent, Alert, PlanSession


def open_alerts() -> QuerySet[Alert]:
    """Alerts still to act on, newest first (the owner's dashboard)."""
    return (
        Alert.objects.filter(resolved_at__isnull=True)
        .select_related("client", "client__client_profile", "plan", "practitioner")
        .order_by("-created_at", "-pk")
    )


def client_care_record(*, client: User) -> dict[str, list]:
    """What her client record shows at the point of care: open alerts, adverse events, session
    records without a plan, and depths recorded outside a plan's range with their reasons."""
    records = PlanSession.objects.select_related("appointment", "appointment__practitioner", "recorded_by")
    return {
        "alerts": list(Alert.objects.filter(client=client, resolved_at__isnull=True).order_by("-created_at")),
        "adverse_events": list(AdverseEvent.objects.filter(client=client).select_related("recorded_by")),
        "visit_records": list(
            records.filter(plan__isnull=True, appointment__client=client)
            .prefetch_related("areas")
            .order_by("-completed_at")
        ),
        "depth_overrides": list(
            records.filter(appointment__client=client).exclude(depth_override_reason="").order_by("-completed_at")
        ),
    }


def recent_overrides(*, since: dt.datetime) -> QuerySet[PlanSession]:
    """Depths recorded outside a plan's range since ``since``, with their reasons (the owner's dashboard)."""
    return (
        PlanSession.objects.exclude(depth_override_reason="")
        .filter(completed_at__gte=since)
        .select_related("plan", "plan__concern", "plan__area", "appointment__client", "recorded_by")
        .order_by("-completed_at")
    )
