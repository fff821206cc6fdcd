"""Staff pages for the spa's time: working hours, time off, closures.

Every page needs ``is_staff``; the hours and closures need the front desk's or the owner's role.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_POST

from scheduling import roles
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Closure, Practitioner, TimeOff, WorkingHours
from scheduling.resources.selectors import appointments_during
from scheduling.resources.services import (
    Interval,
    add_closure,
    add_time_off,
    delete_closure,
    delete_time_off,
    set_working_hours,
)
from scheduling.staff_forms import (
    ClosureForm,
    TimeOffForm,
    WorkingHoursFormSet,
    add_domain_error,
)
from spa.lib.access import staff_required
from spa.lib.roles import SEE_ALL_SCHEDULES
from spa.lib.time import local_date, local_day_bounds


@staff_required(perm=SEE_ALL_SCHEDULES)
@require_http_methods(["GET", "POST"])
def working_hours(request: HttpRequest) -> HttpResponse:
    practitioners = list(Practitioner.objects.filter(active=True))
    chosen_id = request.GET.get("practitioner") or request.POST.get("practitioner")
    practitioner = None
    if chosen_id and str(chosen_id).isdigit():
        practitioner = next((p for p in practitioners if p.pk == int(chosen_id)), None)
        if practitioner is None:
            raise Http404("No such practitioner.")
    practitioner = practitioner or roles.own_practitioner(request.user) or (practitioners[0] if practitioners else None)
    if practitioner is None:
        messages.info(request, "There is no active practitioner yet: add one in the admin.")
        return render(request, "scheduling/staff/hours.html", {"practitioners": practitioners})
    current = WorkingHours.objects.filter(practitioner=practitioner).order_by("weekday", "start_time")
    initial = [{"weekday": h.weekday, "start_time": h.start_time, "end_time": h.end_time} for h in current]
    formset = WorkingHoursFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        intervals = [
            Interval(f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["end_time"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            set_working_hours(practitioner=practitioner, intervals=intervals, by=request.user)
        except SchedulingError as error:
            formset._non_form_errors = formset.error_class([error.message])
        else:
            messages.success(request, f"Working hours of {practitioner} saved ({len(intervals)} intervals).")
            return redirect(f"{reverse('scheduling:staff_hours')}?practitioner={practitioner.pk}")
    context = {"practitioners": practitioners, "practitioner": practitioner, "formset": formset}
    return render(request, "scheduling/staff/hours.html", context)


def _clashes_message(request: HttpRequest, clashes: list[Appointment], what: str) -> None:
    if clashes:
        # Each named appointment links to its page, where staff move it (the message keeps its HTML).
        listed = format_html_join(
            "; ",
            '<a href="{}">{} {} ({})</a>',
            (
                (
                    reverse("scheduling:staff_appointment", args=[a.pk]),
                    f"{timezone.localtime(a.start):%-d %b %H:%M}",
                    a.client,
                    a.practitioner,
                )
                for a in clashes
            ),
        )
        messages.warning(
            request, format_html("{} booked appointment(s) fall in this {}, to move: {}.", len(clashes), what, listed)
        )


@staff_required
@require_http_methods(["GET", "POST"])
def time_off(request: HttpRequest) -> HttpResponse:
    form = TimeOffForm(request.POST or None, initial={"practitioner": roles.own_practitioner(request.user)})
    if not roles.sees_all_schedules(request.user):
        # A practitioner's role: their own time off only (another id is "not a valid choice").
        form.fields["practitioner"].queryset = Practitioner.objects.filter(user_id=request.user.pk, active=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = add_time_off(
                practitioner=data["practitioner"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                by=request.user,
            )
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Time off added for {added.practitioner}.")
            _clashes_message(
                request,
                list(appointments_during(practitioner=added.practitioner, start=added.start, end=added.end)),
                "time off",
            )
            return redirect("scheduling:staff_time_off")
    upcoming = TimeOff.objects.filter(end__gte=timezone.now()).select_related("practitioner").order_by("start")
    if not roles.sees_all_schedules(request.user):
        upcoming = upcoming.filter(practitioner__user_id=request.user.pk)
    return render(request, "scheduling/staff/time_off.html", {"form": form, "time_off": upcoming})


@staff_required
@require_POST
def time_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(TimeOff.objects.select_related("practitioner"), pk=pk)
    roles.check_time_off_scope(request.user, item.practitioner)
    delete_time_off(time_off=item, by=request.user)
    messages.success(request, f"Time off of {item.practitioner} removed: those hours can be booked again.")
    return redirect("scheduling:staff_time_off")


@staff_required(perm=SEE_ALL_SCHEDULES)
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = add_closure(
                start_date=data["start_date"], end_date=data["end_date"], reason=data["reason"], by=request.user
            )
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"The spa is closed {added.start_date:%-d %b} to {added.end_date:%-d %b %Y}.")
            start, _ = local_day_bounds(added.start_date)
            _, end = local_day_bounds(added.end_date)
            _clashes_message(request, list(appointments_during(practitioner=None, start=start, end=end)), "closure")
            return redirect("scheduling:staff_closures")
    upcoming = Closure.objects.filter(end_date__gte=local_date(timezone.now())).order_by("start_date")
    return render(request, "scheduling/staff/closures.html", {"form": form, "closures": upcoming})


@staff_required(perm=SEE_ALL_SCHEDULES)
@require_POST
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Closure, pk=pk)
    delete_closure(closure=item, by=request.user)
    messages.success(request, f"Closure {item.start_date:%-d %b}–{item.end_date:%-d %b %Y} removed.")
    return redirect("scheduling:staff_closures")


urlpatterns = [
    path("staff/hours/", working_hours, name="staff_hours"),
    path("staff/time-off/", time_off, name="staff_time_off"),
    path("staff/time-off/<int:pk>/delete", time_off_delete, name="staff_time_off_delete"),
    path("staff/closures/", closures, name="staff_closures"),
    path("staff/closures/<int:pk>/delete", closure_delete, name="staff_closure_delete"),
]
