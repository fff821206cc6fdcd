"""Plan pages: start a plan, my plans, my plan (timeline, next step, whole course, ratings,
photos), rate a session; staff: record a session, a client's plans, extend, end, photos.

A client only ever reaches her own plans and sessions (anything else is a 404); staff pages
need ``is_staff``. Every rule is in ``scheduling.plans``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import AuditEntry, User
from clients.screening import screening_status
from clients.services import record_access
from scheduling import roles
from scheduling.booking.idempotency import Answer, run_once
from scheduling.booking.selectors import rule_overrides
from scheduling.care.recording import record_session
from scheduling.care.selectors import client_care_record
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, PlanSession, SessionPhoto, TreatmentPlan
from scheduling.plan_forms import (
    CourseForm,
    EndPlanForm,
    ExtendPlanForm,
    PhotoForm,
    RateSessionForm,
    RecordSessionForm,
    StartPlanForm,
    add_plan_error,
)
from scheduling.plans.course import book_course, proposals_from, propose_course
from scheduling.plans.fit import depth_warnings
from scheduling.plans.selectors import plan_timeline, plans_with_details, suggested_depth
from scheduling.plans.services import attach_photo, end_plan, extend_plan, rate_session, start_plan
from scheduling.privacy import photo_from_export_token
from scheduling.views.booking import gate_context
from scheduling.views.care import AdverseEventForm, NoteForm
from spa.lib.access import has_any_perm, staff_required
from spa.lib.roles import RECORD_SESSION, VIEW_CLIENT_RECORD
from spa.lib.time import local_date
from spa.lib.uploads import serve_upload
from treatments.errors import TreatmentsError
from treatments.models import DepthRule
from treatments.selectors import course_price, recommend

# --- Access-scoped fetchers (shared by every view below) ------------------------------------


def get_own_plan(request: HttpRequest, pk: int) -> TreatmentPlan:
    """Her own plan with everything the page shows; anybody else's is a 404."""
    return get_object_or_404(plans_with_details().filter(client=request.user), pk=pk)


def get_own_session(request: HttpRequest, pk: int) -> PlanSession:
    mine = Q(plan__client=request.user) | Q(plan__isnull=True, appointment__client=request.user)
    return get_object_or_404(PlanSession.objects.select_related("plan").filter(mine), pk=pk)


def _chart(plan: TreatmentPlan) -> list[PlanSession]:
    return [s for s in plan.sessions.all() if s.results_rating]


# --- Client pages --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_start(request: HttpRequest) -> HttpResponse:
    """The recommendation for ``?concern=&area=`` and a button that starts the plan."""
    form = StartPlanForm(request.POST if request.method == "POST" else request.GET)
    result = None
    if form.is_valid():
        try:
            result = recommend(concern=form.cleaned_data["concern"], area=form.cleaned_data["area"])
        except TreatmentsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if request.method == "POST" and result is not None:
        try:
            plan = start_plan(
                client=request.user, concern=result.concern.slug, area=result.area.slug, created_by=request.user
            )
        except SchedulingError as error:
            existing = TreatmentPlan.objects.filter(
                client=request.user,
                concern=result.concern,
                area=result.area,
                status__in=[TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.ON_HOLD],
            ).first()
            if error.code == "plan_exists" and existing:
                messages.info(request, error.message)
                return redirect("scheduling:my_plan", pk=existing.pk)
            add_plan_error(form, error)
        else:
            messages.success(request, "Your plan has started. Book your first session when it suits you.")
            return redirect("scheduling:my_plan", pk=plan.pk)
    return render(request, "scheduling/plans/start.html", {"form": form, "result": result})


@login_required
@require_GET
def my_plans(request: HttpRequest) -> HttpResponse:
    plans = list(plans_with_details().filter(client=request.user))
    if len(plans) == 1 and plans[0].status == TreatmentPlan.Status.ACTIVE:
        return redirect("scheduling:my_plan", pk=plans[0].pk)
    rows = [(plan, plan_timeline(plan)) for plan in plans]
    return render(request, "scheduling/plans/my_plans.html", {"rows": rows})


def _plan_extras(request: HttpRequest, plan: TreatmentPlan, rows: list) -> dict[str, object]:
    """What the plan page adds to the timeline: the course price, practitioners who cannot reach
    the suggested depth, and (when screening stops her booking) the gate instead of booking links."""
    screening = screening_status(user_id=plan.client_id)
    gate = None
    if not screening.may_book(needling=plan.service.is_needling) and not screening.fixed_by_intake:
        gate = gate_context(request, screening, service=plan.service)
    return {
        "price": course_price(service=plan.service, sessions=plan.sessions_planned, sessions_max=plan.sessions_max),
        "depth_warnings": depth_warnings(depth=suggested_depth(plan=plan), appointments=[r.appointment for r in rows]),
        "screening": screening,
        "gate": gate,
    }


@login_required
@require_GET
def my_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_own_plan(request, pk)
    rows = plan_timeline(plan)
    next_row = next((row for row in rows if row.is_next), None)
    return render(
        request,
        "scheduling/plans/my_plan.html",
        {
            "plan": plan,
            "rows": rows,
            "next_row": next_row,
            "done": sum(1 for row in rows if row.record),
            "chart": _chart(plan),
            **_plan_extras(request, plan, rows),
        },
    )


def _book_course_once(request: HttpRequest, *, plan: TreatmentPlan, form: CourseForm) -> Answer:
    """Book the posted course once per page token (a double submit gets the first answer)."""
    items = form.cleaned_data["slot"]

    def book() -> Answer:
        booked = book_course(plan=plan, proposals=proposals_from(plan=plan, items=items), booked_by=request.user)
        return Answer(status=201, body={"appointments": [a.pk for a in booked]})

    token = form.cleaned_data.get("token")
    if not token:
        return book()
    payload = {"plan": plan.pk, "slots": [[n, start.isoformat(), p] for n, start, p in items]}
    return run_once(user=request.user, key=f"form:{token}", scope="plan_course", payload=payload, run=book)


@login_required
@require_http_methods(["GET", "POST"])
def plan_course(request: HttpRequest, pk: int) -> HttpResponse:
    """Every remaining session at once: GET proposes the times, POST books them all or none."""
    plan = get_own_plan(request, pk)
    screening = screening_status(user_id=request.user.pk)
    if not screening.may_book(needling=plan.service.is_needling) and not screening.fixed_by_intake:
        gate = gate_context(request, screening, service=plan.service)
        return render(request, "scheduling/booking/gate.html", {"screening": screening, "gate": gate})
    proposals = []
    error_message = ""
    if request.method == "POST":
        form = CourseForm(request.POST)
        if form.is_valid():
            try:
                answer = _book_course_once(request, plan=plan, form=form)
            except SchedulingError as error:
                error_message = error.message
                proposals = []
            else:
                if not answer.replayed:
                    count = len(answer.body["appointments"])
                    messages.success(request, f"{count} sessions booked. We'll remind you before each one.")
                return redirect("scheduling:my_plan", pk=plan.pk)
        else:
            error_message = " ".join(form.errors.get("slot", [])) or "Please look at the times again."
    try:
        proposals = propose_course(plan=plan)
    except SchedulingError as error:
        error_message = error_message or error.message
        proposals = []
    return render(
        request,
        "scheduling/plans/course.html",
        {"plan": plan, "proposals": proposals, "error_message": error_message, "token": uuid.uuid4().hex},
        status=400 if error_message and request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_session_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_own_session(request, pk)
    initial = {"rating": record.results_rating, "comment": record.results_comment}
    form = RateSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rate_session(
                session=record,
                client=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except SchedulingError as error:
            add_plan_error(form, error)
        else:
            messages.success(request, "Thank you: your rating is on your plan.")
            return redirect("scheduling:my_plan", pk=record.plan_id)
    return render(request, "scheduling/plans/rate.html", {"form": form, "record": record})


@login_required
@require_GET
def session_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A before/after photo, for the plan's client and staff only (never a public URL)."""
    photo = get_object_or_404(SessionPhoto.objects.select_related("session__plan"), pk=pk)
    if not request.user.is_staff and photo.session.plan.client_id != request.user.pk:
        raise Http404
    return serve_upload(photo.image, download_name=f"{photo.kind}-{photo.pk}")


@require_GET
def exported_photo(request: HttpRequest, token: str) -> FileResponse:
    """A photo through the expiring link of her data export (scheduling.privacy); 404 once expired."""
    photo_id = photo_from_export_token(token)
    photo = get_object_or_404(SessionPhoto, pk=photo_id) if photo_id else None
    if photo is None:
        raise Http404("This link has expired: export your data again for fresh links.")
    return serve_upload(photo.image, download_name=f"{photo.kind}-{photo.pk}")


# --- Staff pages ---------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def record_session_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The practitioner records what was done: depth (suggested), areas, products, reaction."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "practitioner", "service", "plan", "plan__concern", "plan__area"),
        pk=pk,
    )
    roles.check_may_record(request.user, appointment)
    plan = appointment.plan
    initial = {}
    if plan is not None:
        rule = DepthRule.objects.filter(concern=plan.concern_id, area=plan.area_id).prefetch_related("products").first()
        initial = {
            "depth_used_mm": suggested_depth(plan=plan),
            "areas": [plan.area_id],
            "products": [p.pk for p in rule.products.all()] if rule else [],
            "reaction": PlanSession.Reaction.MILD,
        }
    form = RecordSessionForm(request.POST or None, initial=initial)
    needling = appointment.service.is_needling
    if needling and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_session(
                appointment=appointment,
                depth_used_mm=data["depth_used_mm"],
                areas=data["areas"],
                products=data["products"],
                reaction=data["reaction"],
                notes=data["notes"],
                depth_override_reason=data["depth_override_reason"],
                by=request.user,
            )
        except SchedulingError as error:
            add_plan_error(form, error)
        else:
            what = f"Session {appointment.session_number}" if plan else "The session"
            messages.success(request, f"{what} recorded; the appointment is completed.")
            return redirect("scheduling:staff_client_plans", pk=appointment.client_id)
    return render(
        request,
        "scheduling/plans/record.html",
        {
            "form": form,
            "appointment": appointment,
            "plan": plan,
            "not_needling": SchedulingError("not_needling").message if not needling else "",
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_GET
def staff_client_plans(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_any_perm(request.user, VIEW_CLIENT_RECORD, RECORD_SESSION):
        raise PermissionDenied("Your role does not include client plans.")
    client = get_object_or_404(User, pk=pk)
    plans = list(plans_with_details().filter(client=client))
    record_access(actor=request.user, client=client, action=AuditEntry.Action.VIEW, what="treatment plans")
    rows = [
        {
            "plan": plan,
            "timeline": (timeline := plan_timeline(plan)),
            "suggested": (suggested := suggested_depth(plan=plan)),
            "depth_warnings": depth_warnings(depth=suggested, appointments=[r.appointment for r in timeline]),
            "price": course_price(service=plan.service, sessions=plan.sessions_planned, sessions_max=plan.sessions_max),
            "photo_form": PhotoForm(plan=plan, auto_id=f"id_p{plan.pk}_%s"),
            "extend_form": ExtendPlanForm(auto_id=f"id_x{plan.pk}_%s"),
            "end_form": EndPlanForm(auto_id=f"id_e{plan.pk}_%s"),
        }
        for plan in plans
    ]
    today = local_date(timezone.now()).isoformat()
    context = {
        "client": client,
        "rows": rows,
        "today": today,
        "overrides": rule_overrides(client=client),
        **client_care_record(client=client),
        "adverse_event_form": AdverseEventForm(),
        "note_form": NoteForm(),
    }
    return render(request, "scheduling/plans/staff_client.html", context)


def _staff_plan(pk: int) -> TreatmentPlan:
    return get_object_or_404(TreatmentPlan.objects.select_related("client"), pk=pk)


@staff_required(perm=RECORD_SESSION)
@require_POST
def plan_extend(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _staff_plan(pk)
    form = ExtendPlanForm(request.POST)
    if form.is_valid():
        try:
            plan = extend_plan(plan=plan, by=request.user, sessions=form.cleaned_data["sessions"])
        except SchedulingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The plan now has {plan.sessions_planned} sessions.")
    else:
        messages.error(request, "Give the number of sessions to add (at least one).")
    return redirect("scheduling:staff_client_plans", pk=plan.client_id)


@staff_required(perm=RECORD_SESSION)
@require_POST
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _staff_plan(pk)
    form = EndPlanForm(request.POST)
    if form.is_valid():
        try:
            end_plan(plan=plan, reason=form.cleaned_data["reason"], by=request.user)
        except SchedulingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The plan is ended; its booked sessions are cancelled.")
    else:
        messages.error(request, "Give a reason to end the plan.")
    return redirect("scheduling:staff_client_plans", pk=plan.client_id)


@staff_required(perm=RECORD_SESSION)
@require_POST
def plan_photo(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _staff_plan(pk)
    form = PhotoForm(request.POST, request.FILES, plan=plan)
    if form.is_valid():
        try:
            attach_photo(
                session=get_object_or_404(PlanSession, pk=form.cleaned_data["session"], plan=plan),
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["image"],
                by=request.user,
            )
        except SchedulingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Photo attached.")
    else:
        messages.error(request, "Choose a session, before or after, and an image file.")
    return redirect("scheduling:staff_client_plans", pk=plan.client_id)


urlpatterns = [
    path("plans/start/", plan_start, name="plan_start"),
    path("me/plans/", my_plans, name="my_plans"),
    path("me/plans/<int:pk>/", my_plan, name="my_plan"),
    path("me/plans/<int:pk>/course/", plan_course, name="plan_course"),
    path("me/sessions/<int:pk>/rate/", rate_session_view, name="rate_session"),
    path("plans/photos/<int:pk>/", session_photo, name="session_photo"),
    path("plans/photos/shared/<str:token>/", exported_photo, name="exported_photo"),
    path("staff/appointments/<int:pk>/record/", record_session_view, name="record_session"),
    path("staff/clients/<int:pk>/plans/", staff_client_plans, name="staff_client_plans"),
    path("staff/plans/<int:pk>/extend/", plan_extend, name="plan_extend"),
    path("staff/plans/<int:pk>/end/", plan_end, name="plan_end"),
    path("staff/plans/<int:pk>/photos/", plan_photo, name="plan_photo"),
]
