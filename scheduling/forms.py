"""Forms of the client booking pages. They parse and normalise; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from scheduling.models import Practitioner, TreatmentPlan
from spa.lib.bounds import moment_in_range
from treatments.models import Service

# How many days the day picker shows at once.
PICKER_DAYS = 14


class SlotQueryForm(forms.Form):
    """The day picker's GET parameters (shareable links, no JavaScript needed)."""

    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), required=False, empty_label="Anyone available"
    )

    def __init__(self, *args: object, service: Service, plan: TreatmentPlan | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        people = Practitioner.objects.filter(active=True, services=service)
        if plan is not None:
            # Only those who may give the whole course (scheduling/fit.py).
            people = people.filter(max_depth_mm__gte=plan.depth_max_mm)
        self.fields["practitioner"].queryset = people.order_by("position", "display_name")

    def clean_day(self) -> dt.date:
        today = timezone.localdate()
        day = self.cleaned_data.get("day") or today
        last = today + dt.timedelta(days=settings.SPA_HORIZON_DAYS)
        if day > last:
            raise forms.ValidationError(
                "That day is outside the booking horizon: choose one up to %(last)s.",
                code="beyond_horizon",
                params={"last": last.isoformat()},
            )
        return max(day, today)


class SlotChoiceForm(forms.Form):
    """A chosen slot: its start (ISO 8601 with offset) and, optionally, the practitioner."""

    start = forms.DateTimeField(widget=forms.HiddenInput)
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True), required=False, widget=forms.HiddenInput
    )

    def clean_start(self) -> dt.datetime:
        start = self.cleaned_data["start"]
        if timezone.is_naive(start):
            start = timezone.make_aware(start)
        # Far dates overflow on the way to UTC; the horizon refuses them with a clear message.
        last = timezone.localdate() + dt.timedelta(days=settings.SPA_HORIZON_DAYS + 1)
        if not moment_in_range(start) or start.astimezone(dt.UTC).date() > last:
            raise forms.ValidationError("That time is outside the booking horizon.", code="beyond_horizon")
        return start


class ConfirmBookingForm(SlotChoiceForm):
    plan = forms.ModelChoiceField(queryset=TreatmentPlan.objects.none(), required=False, widget=forms.HiddenInput)
    # One-time token of this confirmation (scheduling.booking.idempotency): a repeated "Book it" shows
    # the booking the first tap made.
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Only her own plans parse; another client's plan id is "not a valid choice".
        self.fields["plan"].queryset = TreatmentPlan.objects.filter(client_id=getattr(user, "pk", None))
