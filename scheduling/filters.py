"""Query filters (django-filter) of scheduling's lists: the API's and the staff pages'.

A bad value is a field error: a JSON 400 ``{field: [messages]}`` through DRF's filter backend,
a form error on a page. The parameter names are the ones SPEC.md and the pages use.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from scheduling.models import Appointment, TreatmentPlan
from spa.lib.filters import IdFilter, LocalDateFilter


class AppointmentFilter(filters.FilterSet):
    """``GET appointments``: ``date`` keeps the appointments starting on that local date."""

    date = LocalDateFilter(field_name="start", help_text="Only this local date (YYYY-MM-DD).")

    class Meta:
        model = Appointment
        fields = ["date"]


class PlanFilter(filters.FilterSet):
    """``GET plans``: staff may keep one client's plans with ``client``; a client's ``client`` is
    ignored (she only ever sees her own)."""

    client = IdFilter(method="for_client", help_text="Staff only: one client's plans (her id).")

    class Meta:
        model = TreatmentPlan
        fields = ["client"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.request is None or not self.request.user.is_staff:
            del self.filters["client"]  # not validated either: as if it were not asked

    def for_client(self, queryset: QuerySet[TreatmentPlan], name: str, value: int) -> QuerySet[TreatmentPlan]:
        return queryset.filter(client_id=value)
