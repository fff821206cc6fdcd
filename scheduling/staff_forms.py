"""Forms of the staff pages. They parse and normalise; the services decide
(``scheduling.resources.services``, ``scheduling.care.attendance``, ``scheduling.booking.services``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clients.models import User
from scheduling.errors import SchedulingError
from scheduling.models import Practitioner, TreatmentPlan, WorkingHours
from scheduling.resources.schedule import BY_CHOICES
from treatments.models import Service


def add_domain_error(form: forms.BaseForm, error: SchedulingError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else on top."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class ScheduleFilterForm(forms.Form):
    date = forms.DateField(required=False, widget=DateInput)
    by = forms.ChoiceField(choices=[(b, b.title()) for b in BY_CHOICES], required=False)
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.all(), required=False)

    def cleaned(self, today: dt.date) -> tuple[dt.date, str, Practitioner | None]:
        """Values to show; a bad value falls back to today / by practitioner (the page says so)."""
        if not self.is_valid():
            return today, "practitioner", None
        data = self.cleaned_data
        return data["date"] or today, data["by"] or "practitioner", data["practitioner"]


class SlotField(forms.CharField):
    """``<ISO start>|<practitioner id>`` as the slot radios post it."""

    def to_python(self, value: str | None) -> tuple[dt.datetime, int] | None:
        value = super().to_python(value)
        if not value:
            return None
        start_text, _, practitioner_text = value.partition("|")
        start = parse_datetime(start_text)
        if start is None or timezone.is_naive(start) or not practitioner_text.isdigit():
            raise forms.ValidationError("Pick one of the free times shown.", code="bad_slot")
        return start, int(practitioner_text)


class ClientSearchForm(forms.Form):
    q = forms.CharField(label="Client name, email or phone", min_length=2, max_length=100)


class SlotSearchForm(forms.Form):
    """The day and service to list free times for (GET)."""

    client = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=False, is_active=True), widget=forms.HiddenInput
    )
    service = forms.ModelChoiceField(queryset=Service.objects.filter(active=True))
    day = forms.DateField(widget=DateInput)
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True), required=False, empty_label="Anyone"
    )
    every_time = forms.BooleanField(
        required=False,
        label="Also times her rules refuse",
        help_text="Days her skin rests from a needling of the area; booking one needs a reason.",
    )


class StaffBookingForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=False, is_active=True), widget=forms.HiddenInput
    )
    service = forms.ModelChoiceField(queryset=Service.objects.filter(active=True), widget=forms.HiddenInput)
    slot = SlotField()
    plan = forms.ModelChoiceField(queryset=TreatmentPlan.objects.none(), required=False, empty_label="No plan")
    override_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason to override a rule",
        help_text="Only needed outside the session's window, or on a day her skin rests from a needling.",
    )

    def __init__(self, *args: object, client: User | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if client is not None:
            self.fields["plan"].queryset = TreatmentPlan.objects.filter(
                client=client, status=TreatmentPlan.Status.ACTIVE
            ).select_related("concern", "area")


class RescheduleForm(forms.Form):
    slot = SlotField()
    override_reason = forms.CharField(max_length=300, required=False, label="Reason, if outside the plan's window")


class WorkingHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WorkingHours.Weekday.choices, coerce=int)
    start_time = forms.TimeField(widget=TimeInput())
    end_time = forms.TimeField(widget=TimeInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A table row has no <label>s: name each control for screen readers ("Line 3: from").
        line = (self.prefix or "").rsplit("-", 1)[-1]
        line = int(line) + 1 if line.isdigit() else ""
        for name, words in (("weekday", "day"), ("start_time", "from"), ("end_time", "to")):
            self.fields[name].widget.attrs.setdefault("aria-label", f"Line {line}: {words}")
            css = "form-select form-select-sm" if name == "weekday" else "form-control form-control-sm"
            self.fields[name].widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and start >= end:
            self.add_error("end_time", "Must be after the start.")
        return data


class _LabelledFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            line = index + 1 if index is not None else ""
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Line {line}: remove"


WorkingHoursFormSet = formset_factory(WorkingHoursForm, formset=_LabelledFormSet, extra=3, can_delete=True)


class TimeOffForm(forms.Form):
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.filter(active=True))
    start = forms.DateTimeField(widget=DateTimeInput(), help_text="Spa local time.")
    end = forms.DateTimeField(widget=DateTimeInput(), help_text="Spa local time.")
    reason = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            self.add_error("end", "Time off must end after it starts.")
        return data


class ClosureForm(forms.Form):
    start_date = forms.DateField(widget=DateInput, label="First day closed")
    end_date = forms.DateField(widget=DateInput, label="Last day closed")
    reason = forms.CharField(max_length=200)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and start > end:
            self.add_error("end_date", "A closure must end on or after its first day.")
        return data
