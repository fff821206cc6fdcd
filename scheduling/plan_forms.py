"""Forms of the plan pages: they parse and normalise; ``scheduling.plans`` decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.errors import SchedulingError
from scheduling.models import PlanSession, SessionPhoto, TreatmentPlan
from spa.lib.bounds import COMMENT_MAX_LENGTH, NOTES_MAX_LENGTH
from treatments.models import Product, TreatmentArea


def add_plan_error(form: forms.BaseForm, error: SchedulingError, *, rename: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: on its field when the form has it, else on top."""
    field = (rename or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


class StartPlanForm(forms.Form):
    concern = forms.SlugField()
    area = forms.SlugField()


class RecordSessionForm(forms.Form):
    depth_used_mm = forms.DecimalField(
        label=_("Needle depth used (mm)"),
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas treated"), queryset=TreatmentArea.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products applied"),
        queryset=Product.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reaction = forms.ChoiceField(
        label=_("Skin reaction"), choices=PlanSession.Reaction.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTES_MAX_LENGTH
    )
    depth_override_reason = forms.CharField(
        label=_("Reason for a depth outside the plan's range"),
        max_length=300,
        required=False,
        help_text=_(
            "Only when the depth is outside the plan's range: say why in a few words. Nothing lifts the "
            "practitioners' limits, 1.5 mm for a non-scarring concern, the area's ceiling or 2.0 mm."
        ),
    )


class RateSessionForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How are your results?"),
        choices=[
            (n, f"{n} – {label}")
            for n, label in enumerate(["no change", "a little", "better", "much better", "excellent"], start=1)
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to tell us (reactions, questions)?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
    )


class ExtendPlanForm(forms.Form):
    sessions = forms.IntegerField(label=_("Add sessions"), min_value=1, max_value=6, initial=1)


class EndPlanForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending the plan"), max_length=300)


class PhotoForm(forms.Form):
    session = forms.TypedChoiceField(label=_("Session"), coerce=int)
    kind = forms.ChoiceField(label=_("Before or after"), choices=SessionPhoto.Kind.choices)
    image = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"))

    def __init__(self, *args: object, plan: TreatmentPlan, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The plan's recorded sessions (prefetched on the staff page: no query per plan).
        self.fields["session"].choices = [(s.pk, f"Session {s.number}") for s in plan.sessions.all()]


class CourseForm(forms.Form):
    """The proposed times the client saw, posted back as they were shown: ``number|start|practitioner``."""

    slot = forms.Field(widget=forms.MultipleHiddenInput)
    # One-time token of the page (scheduling.booking.idempotency): a repeated submit books nothing twice.
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_slot(self) -> list[tuple[int, dt.datetime, int]]:
        values = self.cleaned_data["slot"]
        if isinstance(values, str):
            values = [values]
        items = []
        try:
            for value in values:
                number, start, practitioner = value.split("|")
                moment = dt.datetime.fromisoformat(start)
                if moment.tzinfo is None:
                    raise ValueError
                items.append((int(number), moment, int(practitioner)))
        except ValueError as error:
            raise forms.ValidationError(_("These times could not be read; please look again.")) from error
        if not items:
            raise forms.ValidationError(_("No times to book."))
        return items
