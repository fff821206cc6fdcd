"""Point-of-care pages: the client's "I have a problem" report from her results, staff entering an
adverse event, a practitioner releasing a plan from hold, resolving an alert. Every rule is in
``scheduling.care.reactions``; a client reaches only her own sessions (anything else is a 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import User
from scheduling.care.reactions import record_adverse_event, release_plan_hold, report_problem, resolve_alert
from scheduling.errors import SchedulingError
from scheduling.models import AdverseEvent, Alert, PlanSession, TreatmentPlan
from spa.lib.access import staff_required
from spa.lib.roles import RECORD_SESSION


class ProblemForm(forms.Form):
    text = forms.CharField(
        label="What is the problem?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text="For example: redness spreading after three days, crusts, fever, a cold sore, pain.",
    )


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(choices=AdverseEvent.Kind.choices)
    onset = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Started on")
    severity = forms.ChoiceField(choices=AdverseEvent.Severity.choices)
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Action taken")
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, label="Note (what you checked and decided)"
    )


def _own_record(request: HttpRequest, pk: int) -> PlanSession:
    record = get_object_or_404(
        PlanSession.objects.select_related("plan", "appointment", "appointment__practitioner__user"), pk=pk
    )
    owner_id = record.plan.client_id if record.plan_id else record.appointment.client_id
    if owner_id != request.user.pk:
        raise Http404("No such session.")
    return record


@login_required
@require_http_methods(["GET", "POST"])
def report_problem_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Her "I have a problem" after a session: separate from the rating, it reaches staff at once."""
    record = _own_record(request, pk)
    form = ProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_problem(record=record, client=request.user, text=form.cleaned_data["text"])
        except SchedulingError as error:
            form.add_error("text" if error.field == "text" else None, error.message)
        else:
            messages.success(
                request,
                "Thank you: the spa has been told and will call you today. If you have a fever, spreading redness "
                "or pus, call a doctor now.",
            )
            if record.plan_id:
                return redirect("scheduling:my_plan", pk=record.plan_id)
            return redirect("scheduling:my_appointments")
    return render(request, "scheduling/plans/problem.html", {"form": form, "record": record})


@staff_required
@require_POST
def adverse_event_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(User, pk=pk, is_staff=False)
    form = AdverseEventForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the kind, the day it started, its severity and the action taken.")
        return redirect("scheduling:staff_client_plans", pk=client.pk)
    try:
        record_adverse_event(client=client, by=request.user, **form.cleaned_data)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Adverse event recorded; the owner and the practitioner are alerted.")
    return redirect("scheduling:staff_client_plans", pk=client.pk)


@staff_required(perm=RECORD_SESSION)
@require_POST
def release_hold_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(TreatmentPlan.objects.select_related("client"), pk=pk)
    form = NoteForm(request.POST)
    try:
        release_plan_hold(plan=plan, note=form.data.get("note", ""), by=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The plan is active again; her next session can be booked.")
    return redirect("scheduling:staff_client_plans", pk=plan.client_id)


@staff_required
@require_POST
def resolve_alert_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    try:
        resolve_alert(alert=alert, note=request.POST.get("note", ""), by=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Alert resolved.")
    return redirect("scheduling:staff_dashboard")


urlpatterns = [
    path("me/sessions/<int:pk>/problem/", report_problem_view, name="report_problem"),
    path("staff/clients/<int:pk>/adverse-events/", adverse_event_view, name="adverse_event"),
    path("staff/plans/<int:pk>/release/", release_hold_view, name="plan_release"),
    path("staff/alerts/<int:pk>/resolve/", resolve_alert_view, name="alert_resolve"),
]
