from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from treatments.errors import TreatmentsError
from treatments.forms import FindTreatmentForm
from treatments.models import Concern, DepthRule
from treatments.selectors import active_services, area_names_by_concern, areas_by_concern, recommend


@require_safe
def treatment_list(request: HttpRequest) -> HttpResponse:
    concerns = Concern.objects.filter(active=True).prefetch_related(
        "depth_rules__area",
    )
    return render(
        request,
        "treatments/list.html",
        {"concerns": concerns, "services": active_services().prefetch_related("areas")},
    )


@require_safe
def find_treatment(request: HttpRequest) -> HttpResponse:
    """Concern + area → the recommendation in plain words. A GET form: shareable, no JS needed."""
    form = FindTreatmentForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = recommend(concern=form.cleaned_data["concern"].slug, area=form.cleaned_data["area"].slug)
        except TreatmentsError as error:
            form.add_error(error.field, error.message)
    return render(
        request,
        "treatments/find.html",
        {
            "form": form,
            "result": result,
            "offered": area_names_by_concern(),
            "offered_slugs": areas_by_concern(),
            "rule_count": DepthRule.objects.count(),
        },
    )
