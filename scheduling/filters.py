"""Query filters (django-filter) of scheduling's lists: the API's and the staff pages'.

A bad value is a field error: a JSON 400 ``{field: [messages]}`` through DRF's filter backend,
a form error on a page. The parameter names are the ones SPEC.md and the pages use.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from scheduling import roles
from scheduling.models import Appointment, Notification, Practitioner, TreatmentPlan
from spa.lib.filters import IdFilter, LocalDateFilter
from spa.lib.time import local_date


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
        if self.request is not None and not self.request.user.is_staff:
            del self.filters["client"]  # not validated either: as if it were not asked

    def for_client(self, queryset: QuerySet[TreatmentPlan], name: str, value: int) -> QuerySet[TreatmentPlan]:
        return queryset.filter(client_id=value)


class ScheduleFilter(filters.FilterSet):
    """``GET schedule``: one local day (today when left out), everybody's or one practitioner's.
    A practitioner's role sees their own column whatever is asked (the view's queryset)."""

    date = LocalDateFilter(
        field_name="start", end_field="end", help_text="Local date (YYYY-MM-DD); today when left out."
    )
    practitioner = filters.ModelChoiceFilter(
        queryset=Practitioner.objects.all(),
        method="of_practitioner",
        error_messages={"invalid_choice": "Unknown practitioner."},
    )

    class Meta:
        model = Appointment
        fields = ["date", "practitioner"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("date"):
            data = data.copy()
            data["date"] = local_date(timezone.now()).isoformat()
        super().__init__(data, *args, **kwargs)

    @extend_schema_field({"type": "integer", "minimum": 1, "description": "A practitioner's id: only theirs."})
    def of_practitioner(self, queryset: QuerySet[Appointment], name: str, value: Practitioner) -> QuerySet[Appointment]:
        return queryset.filter(practitioner=value) if roles.sees_all_schedules(self.request.user) else queryset


class _SmallControls(forms.Form):
    """The outbox's filter row: Bootstrap's small controls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            small = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = small


class OutboxFilter(django_filters.FilterSet):
    """The staff outbox page: status, kind, channel, and local due dates (both included). A bad
    value is a form error, and that filter is then left out."""

    status = django_filters.ChoiceFilter(choices=Notification.Status.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices, empty_label="Any kind")
    channel = django_filters.ChoiceFilter(choices=Notification.Channel.choices, empty_label="Any channel")
    day_from = LocalDateFilter(
        field_name="due_at", lookup_expr="gte", label="Due from", widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = LocalDateFilter(
        field_name="due_at", lookup_expr="lte", label="Due until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Notification
        fields = ["status", "kind", "channel", "day_from", "day_to"]
        form = _SmallControls
