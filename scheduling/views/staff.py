"""Staff pages: schedule (day, week), appointment detail and actions, booking for a client who
phones, the owner's dashboard; and the calendar files.

Every staff page needs ``is_staff``: anonymous visitors go to the login page, clients get 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import User
from clients.screening import screening_status
from clients.selectors import staff_client_list
from scheduling import dashboard, roles
from scheduling.booking import calendars
from scheduling.booking.selectors import get_appointment_for_user, rule_overrides
from scheduling.booking.services import book_appointment, cancel_appointment, reschedule_appointment
from scheduling.booking.spacing import personal_filter
from scheduling.care.attendance import check_in_appointment, mark_no_show
from scheduling.care.checkin import DayOfAnswersForm
from scheduling.care.selectors import open_alerts, recent_overrides
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Practitioner
from scheduling.plans.fit import course_depth
from scheduling.resources import schedule
from scheduling.resources.availability import available_slots
from scheduling.staff_forms import (
    ClientSearchForm,
    RescheduleForm,
    ScheduleFilterForm,
    SlotSearchForm,
    StaffBookingForm,
    add_domain_error,
)
from spa.lib.access import staff_required
from spa.lib.bounds import parse_id
from spa.lib.labels import label
from spa.lib.roles import BOOK_FOR_CLIENTS, CHECK_IN, VIEW_DASHBOARD
from spa.lib.time import local_date

View = Callable[..., HttpResponse]
#: The owner's dashboard lists depths recorded outside a plan's range over this many days.
OVERRIDES_DAYS = 60


def _staff_appointment(pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related(
            "client", "client__client_profile", "practitioner", "room", "service", "plan", "plan__concern", "plan__area"
        ),
        pk=pk,
    )


def _schedule_context(request: HttpRequest, *, week: bool) -> dict[str, Any]:
    today = local_date(timezone.now())
    form = ScheduleFilterForm(request.GET or None)
    day, by, practitioner = form.cleaned(today)
    if request.GET and not form.is_valid():
        messages.warning(request, "That date or view was not understood: showing today.")
    practitioner = roles.schedule_practitioner(request.user, practitioner)
    if not roles.sees_all_schedules(request.user):
        by = "practitioner"  # a practitioner's role shows their own column only
    step = dt.timedelta(days=7 if week else 1)
    me = roles.own_practitioner(request.user)
    feed_url = (
        request.build_absolute_uri(reverse("scheduling:practitioner_feed", args=[me.calendar_token])) if me else ""
    )
    return {
        "day": day,
        "by": by,
        "practitioner": practitioner,
        "previous": day - step,
        "next": day + step,
        "today": today,
        "feed_url": feed_url,
        "filter_form": form,
    }


@staff_required
@require_GET
def schedule_day(request: HttpRequest) -> HttpResponse:
    context = _schedule_context(request, week=False)
    context["schedule"] = schedule.day_schedule(
        day=context["day"], by=context["by"], practitioner=context["practitioner"]
    )
    return render(request, "scheduling/staff/schedule_day.html", context)


@staff_required
@require_GET
def schedule_week(request: HttpRequest) -> HttpResponse:
    context = _schedule_context(request, week=True)
    context["schedule"] = schedule.week_schedule(
        day=context["day"], by=context["by"], practitioner=context["practitioner"]
    )
    return render(request, "scheduling/staff/schedule_week.html", context)


@staff_required
@require_GET
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _appointment_page(request, pk)


def _appointment_page(request: HttpRequest, pk: int, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    appointment = _staff_appointment(pk)
    roles.check_appointment_scope(request.user, appointment)
    screening = screening_status(user_id=appointment.client_id)
    history = appointment.history.select_related("history_user").order_by("-history_date", "-history_id")
    now = timezone.now()
    context = {
        "appointment": appointment,
        "screening": screening,
        "screening_label": schedule.SCREENING_LABELS.get(screening.status, screening.status),
        "advice": [r for r in screening.reasons if r.severity == "advice"],
        "flags": schedule.flags_for(appointment, screening),
        "history": history,
        "can_check_in": appointment.status == Appointment.Status.BOOKED
        and local_date(appointment.start) == local_date(now),
        "day_of_form": kwargs.get("day_of_form") or DayOfAnswersForm(prefix="day_of"),
        "day_of_checks": list(appointment.day_of_checks.select_related("answered_by")[:3]),
        "checkin_refusal": kwargs.get("refusal", ""),
        "can_no_show": appointment.status == Appointment.Status.BOOKED and appointment.start <= now,
        "can_change": appointment.status == Appointment.Status.BOOKED,
        # A needling session is recorded once she is checked in (the service says if it started).
        "can_record": appointment.status == Appointment.Status.CHECKED_IN and appointment.service.is_needling,
    }
    return render(request, "scheduling/staff/appointment.html", context, status=status)


def _act(request: HttpRequest, pk: int, action: Callable[..., Appointment], done: str) -> HttpResponse:
    appointment = _staff_appointment(pk)
    roles.check_appointment_scope(request.user, appointment)
    try:
        action(appointment=appointment, by=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(client=appointment.client))
    return redirect("scheduling:staff_appointment", pk=pk)


@staff_required(perm=CHECK_IN)
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Check in after the day-of questions (asked at the desk, or left blank when she answered
    the pre-visit check). A refusal shows its reason on the appointment page (403)."""
    appointment = _staff_appointment(pk)
    form = DayOfAnswersForm(request.POST, prefix="day_of")
    asked = any(key.startswith("day_of-") for key in request.POST)
    if asked and not form.is_valid():
        return _appointment_page(request, pk, status=400, day_of_form=form)
    try:
        check_in_appointment(appointment=appointment, by=request.user, answers=form.answers() if asked else None)
    except SchedulingError as error:
        messages.error(request, error.message)
        return _appointment_page(request, pk, status=error.status, day_of_form=form, refusal=error.message)
    messages.success(request, f"{appointment.client} is checked in.")
    return redirect("scheduling:staff_appointment", pk=pk)


@staff_required(perm=CHECK_IN)
@require_POST
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, mark_no_show, "No-show recorded for {client}; her reminders are withdrawn.")


@staff_required(perm=BOOK_FOR_CLIENTS)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _staff_appointment(pk)
    try:
        cancelled = cancel_appointment(appointment=appointment, by=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        late = " It was a late cancellation and is recorded as such." if cancelled.late_cancellation else ""
        messages.success(request, f"The appointment of {appointment.client} is cancelled.{late}")
    return redirect("scheduling:staff_appointment", pk=pk)


def _slot_choices(slots: list[Any]) -> list[dict[str, Any]]:
    slots = sorted(slots, key=lambda s: (s.practitioner_name, s.start))  # grouped by practitioner on the page
    return [
        {"value": f"{s.start.isoformat()}|{s.practitioner_id}", "start": s.start, "practitioner": s.practitioner_name}
        for s in slots
    ]


@staff_required(perm=BOOK_FOR_CLIENTS)
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _staff_appointment(pk)
    search = SlotSearchForm(
        request.GET or None,
        initial={"client": appointment.client_id, "service": appointment.service_id},
    )
    search.fields["client"].required = False
    search.fields["service"].required = False
    day = local_date(appointment.start)
    practitioner = None
    if search.is_bound and search.is_valid():
        day = search.cleaned_data["day"]
        practitioner = search.cleaned_data["practitioner"]
    form = RescheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, practitioner_id = form.cleaned_data["slot"]
        try:
            moved = reschedule_appointment(
                appointment=appointment,
                start=start,
                practitioner=Practitioner.objects.filter(pk=practitioner_id).first(),
                by=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, f"Moved to {timezone.localtime(moved.start):%A %-d %B at %H:%M} with {moved.practitioner}."
            )
            return redirect("scheduling:staff_appointment", pk=pk)
    slots = available_slots(
        service=appointment.service,
        start_date=day,
        end_date=day,
        practitioner=practitioner,
        min_depth_mm=course_depth(appointment.plan) if appointment.plan else None,
        enforce_notice=False,
        exclude_appointment_id=appointment.pk,
    )
    context = {
        "appointment": appointment,
        "search": search,
        "form": form,
        "day": day,
        "slots": _slot_choices(slots),
    }
    return render(request, "scheduling/staff/reschedule.html", context)


def _chosen_client(data: Any) -> User | None:
    """The client picked from the search (a client, never a staff account), if any."""
    client_id = parse_id(data.get("client")) if "client" in data else None
    return User.objects.filter(pk=client_id, is_staff=False).first() if client_id else None


def _book_for(request: HttpRequest, booking: StaffBookingForm, client: User) -> HttpResponse | None:
    """Book the chosen time for her; on a refusal the form carries the error and None is returned."""
    start, practitioner_id = booking.cleaned_data["slot"]
    try:
        appointment = book_appointment(
            client=client,
            service=booking.cleaned_data["service"],
            start=start,
            practitioner=Practitioner.objects.filter(pk=practitioner_id).first(),
            plan=booking.cleaned_data["plan"],
            booked_by=request.user,
            override_reason=booking.cleaned_data["override_reason"],
        )
    except SchedulingError as error:
        add_domain_error(booking, error)
        return None
    messages.success(
        request,
        f"Booked {appointment.service} for {client} on "
        f"{timezone.localtime(appointment.start):%A %-d %B at %H:%M} with {appointment.practitioner}.",
    )
    return redirect("scheduling:staff_appointment", pk=appointment.pk)


def _times_for(client: User, search: dict[str, Any]) -> tuple[list[Any], int]:
    """The day's free times, without notice (she is on the phone), and how many were left out
    because they do not suit her: a day her skin rests from a needling of the area, or a time
    she is booked elsewhere. With ``every_time`` none is left out; booking one of those then
    needs an override reason (the service refuses it without one)."""
    service = search["service"]
    free = available_slots(
        service=service,
        start_date=search["day"],
        end_date=search["day"],
        practitioner=search["practitioner"],
        enforce_notice=False,
    )
    if search.get("every_time"):
        return free, 0
    suits = personal_filter(client_id=client.pk, service=service, plan=None)
    kept = [slot for slot in free if suits(slot)]
    return kept, len(free) - len(kept)


@staff_required(perm=BOOK_FOR_CLIENTS)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book for a client who phones: find her, pick service, day and a free time, confirm."""
    search = ClientSearchForm(request.GET if "q" in request.GET else None)
    found: list[User] = []
    if search.is_bound and search.is_valid():
        # Name, email or phone in any format: the one client search (clients/selectors.py).
        found = list(staff_client_list(search=search.cleaned_data["q"]).filter(is_active=True)[:20])

    data = request.POST if request.method == "POST" else request.GET
    # Bound only once a service is asked for: choosing the client shows no "required" errors yet.
    slot_search = SlotSearchForm(
        data if "service" in data else None,
        initial={"day": local_date(timezone.now()), "client": data.get("client")},
    )
    client = _chosen_client(data)
    slots: list[dict[str, Any]] = []
    hidden = 0
    booking = None
    if client is not None:
        booking = StaffBookingForm(request.POST or None, client=client, initial={"client": client.pk})
        # Her active plan pre-selected: most phone bookings are the next session of it.
        booking.initial["plan"] = booking.fields["plan"].queryset.values_list("pk", flat=True).first()
        if slot_search.is_valid():
            booking.initial["service"] = slot_search.cleaned_data["service"].pk
            free, hidden = _times_for(client, slot_search.cleaned_data)
            slots = _slot_choices(free)
        if request.method == "POST" and booking.is_valid() and (done := _book_for(request, booking, client)):
            return done
    screening = screening_status(user_id=client.pk) if client else None
    context = {
        "search": search,
        "found": found,
        "client": client,
        "screening": screening,
        "screening_label": label(screening.status, "screening") if screening else "",
        "slot_search": slot_search,
        "slots": slots,
        "hidden_times": hidden,
        "booking": booking,
    }
    return render(request, "scheduling/staff/book.html", context)


@staff_required(perm=VIEW_DASHBOARD)
@require_GET
def owner_dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "dashboard": dashboard.owner_dashboard(now=now),
        "overrides": rule_overrides(since=now - dt.timedelta(days=30))[:50],
        # The point of care: what to act on now, and depths recorded outside a plan's range.
        "alerts": list(open_alerts()[:50]),
        "depth_overrides": list(recent_overrides(since=now - dt.timedelta(days=OVERRIDES_DAYS))[:50]),
        "overrides_days": OVERRIDES_DAYS,
    }
    return render(request, "scheduling/staff/dashboard.html", context)


# --- Calendar files ------------------------------------------------------------------------------


@require_GET
def appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The ``.ics`` of an appointment: her own, or any for staff; otherwise 404 (even anonymous)."""
    appointment = get_appointment_for_user(request.user, pk)
    response = HttpResponse(calendars.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=appointment-{appointment.pk}.ics"
    return response


@require_GET
def practitioner_feed(request: HttpRequest, token: Any) -> HttpResponse:
    """A practitioner's private subscription feed; the token in the URL is the only key."""
    practitioner = get_object_or_404(Practitioner, calendar_token=token, active=True)
    response = HttpResponse(calendars.practitioner_feed(practitioner), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("staff/schedule/", schedule_day, name="staff_schedule"),
    path("staff/schedule/week/", schedule_week, name="staff_week"),
    path("staff/appointments/<int:pk>/", appointment_detail, name="staff_appointment"),
    path("staff/appointments/<int:pk>/check-in", check_in, name="staff_check_in"),
    path("staff/appointments/<int:pk>/no-show", no_show, name="staff_no_show"),
    path("staff/appointments/<int:pk>/cancel", cancel, name="staff_cancel"),
    path("staff/appointments/<int:pk>/reschedule", reschedule, name="staff_reschedule"),
    path("staff/book/", book, name="staff_book"),
    path("staff/dashboard/", owner_dashboard, name="staff_dashboard"),
    path("appointments/<int:pk>.ics", appointment_ics, name="appointment_ics"),
    path("calendar/<uuid:token>.ics", practitioner_feed, name="practitioner_feed"),
]
