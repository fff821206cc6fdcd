"""Client booking pages: service → day → free slots → confirm; my appointments; cancel; reschedule.

Every page works without JavaScript (GET links and plain forms); with htmx the day picker swaps
only the slots (the ``slots`` partial of the page). Another client's appointment is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from clients.screening import Screening, screening_status
from scheduling.booking.idempotency import Answer, run_once
from scheduling.booking.selectors import (
    get_appointment_for_client,
    get_plan_for_client,
    session_window,
    upcoming_and_past,
)
from scheduling.booking.services import (
    book_appointment,
    cancel_appointment,
    change_deadline,
    reschedule_appointment,
)
from scheduling.booking.spacing import personal_filter
from scheduling.errors import SchedulingError
from scheduling.forms import PICKER_DAYS, ConfirmBookingForm, SlotChoiceForm, SlotQueryForm
from scheduling.models import Appointment, Practitioner, TreatmentPlan
from scheduling.plans.fit import course_depth, course_practitioners
from scheduling.plans.windows import Window, next_window
from scheduling.resources.availability import Slot, available_slots, free_starts
from spa.lib.time import local_date
from treatments.models import Service
from treatments.selectors import consultation_service, pre_care_steps

# Errors that mean "pick another time": send her back to the slots.
_PICK_AGAIN = {"slot_taken", "not_offered", "too_soon", "too_far", "unknown_practitioner", "depth_over_limit"}


def _intake_url(back_to: str) -> str:
    """The intake page, bringing her back to the time she chose once she may book."""
    return f"{reverse('clients:intake')}?{urlencode({'next': back_to})}"


def gate_context(request: HttpRequest, screening: Screening, *, service: Service | None = None) -> dict[str, Any]:
    """What the screening gate (``_gate.html``) shows: the service she wanted, the consultation she
    may book meanwhile, and the questionnaire link that brings her back here."""
    consultation = consultation_service()
    if consultation is not None and (consultation == service or not screening.may_book(needling=False)):
        consultation = None
    return {"service": service, "consultation": consultation, "intake_url": _intake_url(request.get_full_path())}


def _blocked_for(request: HttpRequest, service: Service) -> Screening | None:
    """Her screening when it stops her booking ``service`` (a logged-in client only), else None.
    What she can put right herself (questionnaire, consent) is no gate: she picks her time first,
    and the questionnaire brings her back to it."""
    if not request.user.is_authenticated or request.user.is_staff:
        return None
    screening = screening_status(user_id=request.user.pk)
    return None if screening.may_book(needling=service.is_needling) or screening.fixed_by_intake else screening


def _still_free(
    *, service: Service, start: dt.datetime, practitioner: Practitioner | None, plan: TreatmentPlan | None
) -> bool:
    """Re-check the chosen time when she lands on the confirm page (maybe after a detour through
    sign-up and the questionnaire): someone may have taken it meanwhile."""
    day = local_date(start)
    slots = available_slots(
        service=service,
        start_date=day,
        end_date=day,
        practitioner=practitioner,
        window=next_window(plan) if plan else None,
        min_depth_mm=course_depth(plan) if plan else None,
    )
    return any(slot.start == start for slot in slots)


def _plan_param(request: HttpRequest) -> TreatmentPlan | None:
    """``?plan=<id>``: her own plan (404 for anybody else's, or when not logged in)."""
    value = request.GET.get("plan") or request.POST.get("plan")
    if not value:
        return None
    if not value.isdigit():
        return None
    return get_plan_for_client(request.user, int(value))


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _window_and_depth(
    *, plan: TreatmentPlan | None, moving: Appointment | None
) -> tuple[Window | None, Decimal | None]:
    """The window a plan session is booked (or moved) within, and the depth its practitioner
    must be allowed: the whole course's maximum (scheduling/plans/fit.py)."""
    if moving is not None and moving.plan is not None:
        # A plan session moves within its own window, with practitioners allowed its depth.
        return session_window(appointment=moving), course_depth(moving.plan)
    if plan is None:
        return None, None
    return next_window(plan), course_depth(plan)


def _one_per_time(slots: list[Slot]) -> list[Slot]:
    """ "Anyone": one slot per time, the first free practitioner's."""
    seen: set[dt.datetime] = set()
    chosen = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            chosen.append(slot)
    return chosen


def _slot_rows(
    slots: list[Slot], *, practitioner: Practitioner | None, plan: TreatmentPlan | None
) -> list[dict[str, Any]]:
    return [
        {
            "slot": slot,
            "start_iso": slot.start.isoformat(),
            "query": urlencode(
                {
                    "start": slot.start.isoformat(),
                    "practitioner": slot.practitioner_id if practitioner else "",
                    "plan": plan.pk if plan else "",
                }
            ),
        }
        for slot in slots
    ]


def picker_context(
    *,
    service: Service,
    day: dt.date,
    day_given: bool,
    practitioner: Practitioner | None,
    plan: TreatmentPlan | None,
    exclude_appointment_id: int | None = None,
    moving: Appointment | None = None,
    client_id: int | None = None,
) -> dict[str, Any]:
    """The day picker: PICKER_DAYS days with their number of free times (the day summary), and
    the chosen day's slots ("anyone": one per time, the first free practitioner). One
    availability call.

    With ``client_id``, only times that client may book: none on a day her skin needs rest
    from another needling of the area, none while she is booked elsewhere (scheduling.booking.spacing).
    """
    today = timezone.localdate()
    window, min_depth = _window_and_depth(plan=plan, moving=moving)
    if window is not None and window.start and not day_given:
        day = max(day, window.start)
    # Pages of PICKER_DAYS days from today, so links are stable.
    first = today + dt.timedelta(days=((day - today).days // PICKER_DAYS) * PICKER_DAYS)
    last = first + dt.timedelta(days=PICKER_DAYS - 1)
    # One engine call: the strip's counts from the day summary, datetimes only for the chosen day.
    found = free_starts(
        service=service,
        start_date=first,
        end_date=last,
        practitioner=practitioner,
        window=window,
        min_depth_mm=min_depth,
        exclude_appointment_id=exclude_appointment_id,
    )
    if client_id is not None:
        suits = personal_filter(
            client_id=client_id,
            service=service,
            plan=moving.plan if moving is not None else plan,
            session_number=moving.session_number if moving is not None else (window.number if window else None),
            exclude_appointment_id=exclude_appointment_id,
        )
        found = found.keep(suits)
    summary = {d.date: d.count for d in found.summaries(first, last)}
    if not day_given and not summary.get(day):
        day = next((d for d in sorted(summary) if d >= day and summary[d]), day)
    chosen = _one_per_time(found.on(day).slots()) if practitioner is None else found.on(day).slots()
    base = {"practitioner": practitioner.pk if practitioner else "", "plan": plan.pk if plan else ""}
    return {
        "service": service,
        "plan": plan,
        "window": window,
        "day": day,
        **_day_strip(first=first, summary=summary, base=base, today=today),
        "slots": _slot_rows(chosen, practitioner=practitioner, plan=plan),
        "practitioner": practitioner,
        "nobody_fits": _nobody_fits(plan),
    }


def _day_strip(*, first: dt.date, summary: dict[dt.date, int], base: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """PICKER_DAYS days from ``first`` with their number of free times, and the links to the
    previous page (never before today) and the next."""
    days = [first + dt.timedelta(days=n) for n in range(PICKER_DAYS)]
    previous_first = first - dt.timedelta(days=PICKER_DAYS)
    return {
        "days": [
            {"date": d, "count": summary.get(d, 0), "query": urlencode({**base, "day": d.isoformat()})} for d in days
        ],
        "previous_query": urlencode({**base, "day": previous_first.isoformat()}) if previous_first >= today else "",
        "next_query": urlencode({**base, "day": (days[-1] + dt.timedelta(days=1)).isoformat()}),
    }


def _nobody_fits(plan: TreatmentPlan | None) -> str:
    """Say so when no practitioner may give the whole course (instead of an empty calendar)."""
    if plan is None or course_practitioners(plan).exists():
        return ""
    return SchedulingError("no_practitioner_for_course", depth=course_depth(plan)).message


def _shown_form(
    form: SlotQueryForm, context: dict[str, Any], *, service: Service, plan: TreatmentPlan | None = None
) -> SlotQueryForm:
    """The picker's form showing the day actually shown (errors kept when the query was bad)."""
    if form.is_bound and not form.is_valid():
        return form
    practitioner = context["practitioner"]
    data = {"day": context["day"].isoformat(), "practitioner": practitioner.pk if practitioner else ""}
    return SlotQueryForm(data, service=service, plan=plan)


@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    plan = _plan_param(request)
    services = Service.objects.filter(active=True).order_by("position", "name")
    return render(request, "scheduling/booking/services.html", {"services": services, "plan": plan})


@require_safe
def book_service(request: HttpRequest, slug: str) -> HttpResponse:
    """Free times of one service: day picker, "anyone" or a practitioner, optional plan."""
    service = get_object_or_404(Service, slug=slug, active=True)
    plan = _plan_param(request)
    form = SlotQueryForm(request.GET, service=service, plan=plan)
    if form.is_valid():
        day, practitioner = form.cleaned_data["day"], form.cleaned_data["practitioner"]
    else:
        day, practitioner = timezone.localdate(), None
    context = picker_context(
        service=service,
        day=day,
        day_given=bool(request.GET.get("day")),
        practitioner=practitioner,
        plan=plan,
        client_id=request.user.pk if request.user.is_authenticated and not request.user.is_staff else None,
    )
    context.update({"form": _shown_form(form, context, service=service, plan=plan), "mode": "book"})
    blocked = _blocked_for(request, service)
    if blocked is not None:
        # Before any calendar: why, what next, when, and the consultation she may book meanwhile.
        context.update({"screening": blocked, "gate": gate_context(request, blocked, service=service)})
    template = "scheduling/booking/service.html"
    return render(request, f"{template}#slots" if _is_htmx(request) else template, context)


def _book_once(
    request: HttpRequest, *, form: ConfirmBookingForm, service: Service, plan: TreatmentPlan | None
) -> Answer:
    """Book what the form says, once per form token: a repeat (a double tap, the back button)
    gets the first booking back instead of "that time has just been taken"."""
    data = form.cleaned_data
    practitioner = data["practitioner"]

    def book() -> Answer:
        appointment = book_appointment(
            client=request.user,
            service=service,
            start=data["start"],
            practitioner=practitioner,
            plan=plan,
            booked_by=request.user,
        )
        return Answer(status=201, body={"appointment": appointment.pk})

    if not data.get("token"):
        return book()
    payload = {
        "service": service.slug,
        "start": data["start"].isoformat(),
        "practitioner": practitioner.pk if practitioner else None,
        "plan": plan.pk if plan else None,
    }
    return run_once(user=request.user, key=f"form:{data['token']}", scope="book_confirm", payload=payload, run=book)


@login_required
@require_http_methods(["GET", "POST"])
def book_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug, active=True)
    screening = screening_status(user_id=request.user.pk)
    if not screening.may_book(needling=service.is_needling) and not request.user.is_staff:
        if screening.fixed_by_intake:
            # Something she can do now: the questionnaire brings her straight back here.
            return redirect(_intake_url(request.get_full_path()))
        gate = gate_context(request, screening, service=service)
        return render(request, "scheduling/booking/gate.html", {"screening": screening, "gate": gate})
    plan = _plan_param(request)
    data = request.POST if request.method == "POST" else request.GET.copy()
    if request.method == "GET":
        data["token"] = uuid.uuid4().hex
    form = ConfirmBookingForm(data, user=request.user)
    back = reverse("scheduling:book_service", args=[service.slug])
    if not form.is_valid():
        messages.error(request, "Please choose a time first.")
        return redirect(back + (f"?plan={plan.pk}" if plan else ""))
    start = form.cleaned_data["start"]
    practitioner = form.cleaned_data["practitioner"]
    if request.method == "GET" and not _still_free(service=service, start=start, practitioner=practitioner, plan=plan):
        messages.warning(request, SchedulingError("slot_taken").message)
        query = {"day": local_date(start).isoformat(), "plan": plan.pk if plan else ""}
        return redirect(f"{back}?{urlencode(query)}")
    if request.method == "POST":
        try:
            answer = _book_once(request, form=form, service=service, plan=plan)
        except SchedulingError as error:
            messages.error(request, error.message)
            if error.code in _PICK_AGAIN:
                query = {"day": local_date(start).isoformat(), "plan": plan.pk if plan else ""}
                return redirect(f"{back}?{urlencode(query)}")
            form.add_error(None, error.message)
        else:
            appointment = Appointment.objects.get(pk=answer.body["appointment"])
            if not answer.replayed:
                when = timezone.localtime(appointment.start)
                messages.success(request, f"Booked: {service.name} on {when:%A %-d %B at %H:%M}.")
            return redirect("scheduling:appointment_detail", pk=appointment.pk)
    context = {
        "service": service,
        "form": form,
        "start": timezone.localtime(start),
        "end": timezone.localtime(start + dt.timedelta(minutes=service.duration_minutes)),
        "practitioner": practitioner,
        "plan": plan,
        "screening": screening,
        "back": back,
        "cutoff_hours": settings.SPA_CANCELLATION_CUTOFF_HOURS,
        "pre_care": pre_care_steps() if service.is_needling else [],
    }
    return render(request, "scheduling/booking/confirm.html", context)


@login_required
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    upcoming, past = upcoming_and_past(request.user)
    return render(request, "scheduling/booking/my_appointments.html", {"upcoming": upcoming, "past": past})


def _changeable(appointment: Appointment) -> bool:
    return appointment.status == Appointment.Status.BOOKED and timezone.now() <= change_deadline(appointment)


@login_required
@require_GET
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_client(request.user, pk)
    context = {
        "appt": appointment,
        "changeable": _changeable(appointment),
        "deadline": change_deadline(appointment),
        "cutoff_hours": settings.SPA_CANCELLATION_CUTOFF_HOURS,
        "pre_care": pre_care_steps() if appointment.service.is_needling else [],
    }
    return render(request, "scheduling/booking/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_client(request.user, pk)
    if request.method == "POST":
        try:
            cancel_appointment(appointment=appointment, by=request.user)
        except SchedulingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your appointment is cancelled.")
        return redirect("scheduling:appointment_detail", pk=appointment.pk)
    context = {
        "appt": appointment,
        "changeable": _changeable(appointment),
        "cutoff_hours": settings.SPA_CANCELLATION_CUTOFF_HOURS,
    }
    return render(request, "scheduling/booking/cancel.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_client(request.user, pk)
    here = reverse("scheduling:appointment_reschedule", args=[appointment.pk])
    if request.method == "POST":
        form = SlotChoiceForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Please choose a new time.")
            return redirect(here)
        try:
            reschedule_appointment(
                appointment=appointment,
                start=form.cleaned_data["start"],
                practitioner=form.cleaned_data["practitioner"],
                by=request.user,
            )
        except SchedulingError as error:
            messages.error(request, error.message)
            return redirect(f"{here}?day={local_date(form.cleaned_data['start']).isoformat()}")
        messages.success(request, "Your appointment has moved.")
        return redirect("scheduling:appointment_detail", pk=appointment.pk)
    choice = SlotChoiceForm(request.GET) if "start" in request.GET else None
    if choice is not None and choice.is_valid():
        # The confirm step: nothing moves until she says yes.
        start = timezone.localtime(choice.cleaned_data["start"])
        chosen = {"start": start, "start_iso": start.isoformat(), "practitioner": choice.cleaned_data["practitioner"]}
        context = {"appt": appointment, "changeable": _changeable(appointment), "chosen": chosen}
        return render(request, "scheduling/booking/reschedule.html", context)
    query = SlotQueryForm(request.GET, service=appointment.service)
    if query.is_valid():
        day, practitioner = query.cleaned_data["day"], query.cleaned_data["practitioner"]
    else:
        day, practitioner = local_date(appointment.start), None
    context = picker_context(
        service=appointment.service,
        day=day,
        day_given=bool(request.GET.get("day")),
        practitioner=practitioner,
        plan=None,
        exclude_appointment_id=appointment.pk,
        moving=appointment,
        client_id=appointment.client_id,
    )
    context.update(
        {
            "form": _shown_form(query, context, service=appointment.service),
            "mode": "reschedule",
            "appt": appointment,
            "changeable": _changeable(appointment),
            "cutoff_hours": settings.SPA_CANCELLATION_CUTOFF_HOURS,
        }
    )
    if _is_htmx(request):
        return render(request, "scheduling/booking/service.html#slots", context)
    return render(request, "scheduling/booking/reschedule.html", context)


urlpatterns = [
    path("book/", service_list, name="book"),
    path("book/<slug:slug>/", book_service, name="book_service"),
    path("book/<slug:slug>/confirm/", book_confirm, name="book_confirm"),
    path("me/appointments/", my_appointments, name="my_appointments"),
    path("me/appointments/<int:pk>/", appointment_detail, name="appointment_detail"),
    path("me/appointments/<int:pk>/cancel/", appointment_cancel, name="appointment_cancel"),
    path("me/appointments/<int:pk>/reschedule/", appointment_reschedule, name="appointment_reschedule"),
]
