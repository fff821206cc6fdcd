from __future__ import annotations

from django import forms

from treatments.models import Concern, DepthRule, TreatmentArea


class FindTreatmentForm(forms.Form):
    concern = forms.ModelChoiceField(
        queryset=Concern.objects.filter(active=True), to_field_name="slug", empty_label="Choose your concern"
    )
    area = forms.ModelChoiceField(
        queryset=TreatmentArea.objects.all(), to_field_name="slug", empty_label="Choose the area"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        concern = (self.data or {}).get("concern") or self.initial.get("concern")
        if concern and Concern.objects.filter(slug=concern, active=True).exists():
            # Only the areas this concern is offered on (a depth rule exists).
            self.fields["area"].queryset = TreatmentArea.objects.filter(depth_rules__concern__slug=concern)


class DepthRuleForm(forms.ModelForm):
    """The admin's form: the model's clean() and constraints give the bound errors."""

    class Meta:
        model = DepthRule
        fields = ["concern", "area", "min_depth_mm", "max_depth_mm", "products", "notes"]
