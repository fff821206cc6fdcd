"""Plans API: start a plan, list and read plans (sessions with windows), book the whole
course, and complete an appointment by recording its session (staff).

A client sees only her own plans (another's is a 404); staff see all. Errors come from the
services through the one exception handler (``spa.api``): ``SchedulingError`` and
``TreatmentsError`` → 400/403/409 with ``detail`` and ``code``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import User
from scheduling import roles
from scheduling.api.booking import IDEMPOTENCY_KEY, idempotent
from scheduling.care.recording import record_session
from scheduling.errors import SchedulingError
from scheduling.filters import PlanFilter
from scheduling.models import Appointment, PlanSession, TreatmentPlan
from scheduling.plans.course import Proposal, book_course, proposals_from, propose_course
from scheduling.plans.selectors import SessionRow, plan_timeline, plans_visible_to, suggested_depth_from
from scheduling.plans.services import start_plan
from spa.lib.bounds import NOTES_MAX_LENGTH
from spa.lib.roles import RECORD_SESSION
from treatments.models import Product, TreatmentArea


class IsStaff(BasePermission):
    message = "Only staff can do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def _mm(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- Serializers (input parsing, and the documented output shapes) --------------------------


class RangeMmSerializer(serializers.Serializer):
    min = serializers.FloatField()
    max = serializers.FloatField()


class RangeWeeksSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class PlanSessionRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    appointment = serializers.IntegerField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(
        help_text="completed, checked_in, booked, to_book (next, bookable), window_closed, waiting, not_booked"
    )
    depth_used_mm = serializers.FloatField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField()
    concern = serializers.SlugField()
    area = serializers.SlugField()
    status = serializers.CharField(help_text="active, on_hold, completed or cancelled")
    hold_reason = serializers.CharField(help_text="Why the plan is on hold (empty otherwise).")
    service = serializers.SlugField()
    depth_mm = RangeMmSerializer()
    interval_weeks = RangeWeeksSerializer()
    sessions_planned = serializers.IntegerField()
    sessions_max = serializers.IntegerField()
    suggested_depth_mm = serializers.FloatField()
    ended_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    sessions = PlanSessionRowSerializer(many=True)

    def to_representation(self, instance: TreatmentPlan) -> dict[str, Any]:
        return plan_payload(instance)


class StartPlanInput(serializers.Serializer):
    concern = serializers.SlugField()
    area = serializers.SlugField()
    client = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Staff only: the client the plan is for."
    )


class CompleteInput(serializers.Serializer):
    needle_depth_mm = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0"))
    areas = serializers.ListField(child=serializers.SlugField(), help_text="Slugs of the areas treated.")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTES_MAX_LENGTH)
    products = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    reaction = serializers.ChoiceField(
        choices=PlanSession.Reaction.choices, required=False, default=PlanSession.Reaction.MILD
    )
    depth_override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def validate_areas(self, value: list[str]) -> list[TreatmentArea]:
        found = {a.slug: a for a in TreatmentArea.objects.filter(slug__in=value)}
        unknown = sorted(set(value) - set(found))
        if unknown:
            raise serializers.ValidationError(f"Unknown area: {', '.join(unknown)}.")
        return [found[slug] for slug in dict.fromkeys(value)]

    def validate_products(self, value: list[str]) -> list[Product]:
        found = {p.slug: p for p in Product.objects.filter(slug__in=value, active=True)}
        unknown = sorted(set(value) - set(found))
        if unknown:
            raise serializers.ValidationError(f"Unknown product: {', '.join(unknown)}.")
        return [found[slug] for slug in dict.fromkeys(value)]


class SessionRecordSerializer(serializers.Serializer):
    number = serializers.IntegerField(allow_null=True, help_text="Session number in the plan; null without a plan.")
    plan = serializers.IntegerField(allow_null=True)
    plan_status = serializers.CharField(help_text="active, on_hold, completed or cancelled; empty without a plan.")
    appointment = serializers.IntegerField()
    appointment_status = serializers.CharField()
    needle_depth_mm = serializers.FloatField()
    depth_override_reason = serializers.CharField()
    areas = serializers.ListField(child=serializers.SlugField())
    products = serializers.ListField(child=serializers.SlugField())
    reaction = serializers.CharField()
    notes = serializers.CharField()
    completed_at = serializers.DateTimeField()
    suggested_next_depth_mm = serializers.FloatField(allow_null=True)


class ProposalSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.IntegerField()
    practitioner_name = serializers.CharField()
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    same_time = serializers.BooleanField()


class CourseProposalSerializer(serializers.Serializer):
    sessions = ProposalSerializer(many=True)


class CourseItemInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=100)
    start = serializers.DateTimeField()
    practitioner = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class CourseInput(serializers.Serializer):
    sessions = CourseItemInput(many=True, allow_empty=False)


class CourseBookedSerializer(serializers.Serializer):
    appointments = serializers.ListField(child=serializers.IntegerField())
    plan = PlanSerializer()


# --- Payloads ------------------------------------------------------------------------------


def _row_payload(row: SessionRow) -> dict[str, Any]:
    record = row.record
    return {
        "number": row.number,
        "window_start": row.window.start.isoformat() if row.window and row.window.start else None,
        "window_end": row.window.end.isoformat() if row.window and row.window.end else None,
        "appointment": row.appointment.pk if row.appointment else (record.appointment_id if record else None),
        "start": row.appointment.start.isoformat() if row.appointment else None,
        "status": row.status,
        "depth_used_mm": _mm(record.depth_used_mm) if record else None,
        "completed_at": record.completed_at.isoformat() if record else None,
        "rating": record.results_rating if record else None,
    }


def plan_payload(plan: TreatmentPlan) -> dict[str, Any]:
    """The API's shape of a plan (from ``plans_with_details``: no query)."""
    return {
        "id": plan.pk,
        "client": plan.client_id,
        "concern": plan.concern.slug,
        "area": plan.area.slug,
        "status": plan.status,
        "service": plan.service.slug,
        "depth_mm": {"min": _mm(plan.depth_min_mm), "max": _mm(plan.depth_max_mm)},
        "interval_weeks": {"min": plan.interval_min_weeks, "max": plan.interval_max_weeks},
        "sessions_planned": plan.sessions_planned,
        "sessions_max": plan.sessions_max,
        "suggested_depth_mm": _mm(suggested_depth_from(plan, plan.sessions.all())),
        "ended_reason": plan.ended_reason,
        "hold_reason": plan.hold_reason,
        "created_at": plan.created_at.isoformat(),
        "sessions": [_row_payload(row) for row in plan_timeline(plan)],
    }


def session_payload(record: PlanSession) -> dict[str, Any]:
    plan = record.plan
    return {
        "number": record.number,
        "plan": plan.pk if plan else None,
        "plan_status": plan.status if plan else "",
        "appointment": record.appointment_id,
        "appointment_status": record.appointment.status if record.appointment else "",
        "needle_depth_mm": _mm(record.depth_used_mm),
        "depth_override_reason": record.depth_override_reason,
        "areas": [a.slug for a in record.areas.all()],
        "products": [p.slug for p in record.products.all()],
        "reaction": record.reaction,
        "notes": record.notes,
        "completed_at": record.completed_at.isoformat(),
        "suggested_next_depth_mm": _mm(suggested_depth_from(plan, plan.sessions.all())) if plan else None,
    }


def _get_plan(request: Request, pk: int) -> TreatmentPlan:
    return get_object_or_404(plans_visible_to(request.user), pk=pk)


# --- Views ---------------------------------------------------------------------------------


class PlanListView(generics.ListAPIView):
    """GET: the plans the user may see, newest first, paged in headers (``spa.lib.pagination``)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PlanSerializer
    filterset_class = PlanFilter

    def get_queryset(self) -> QuerySet[TreatmentPlan]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return TreatmentPlan.objects.none()
        return plans_visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        summary="Treatment plans (a client's own; staff all, or one client's with ?client=)",
        responses=PlanSerializer(many=True),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Start a plan from the recommendation for a concern and an area",
        request=StartPlanInput,
        responses={201: PlanSerializer},
    )
    def post(self, request: Request) -> Response:
        data = StartPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = request.user
        if "client" in data.validated_data:
            if not request.user.is_staff:
                raise SchedulingError("staff_only")
            client = get_object_or_404(User, pk=data.validated_data["client"], is_staff=False)
        plan = start_plan(
            client=client,
            concern=data.validated_data["concern"],
            area=data.validated_data["area"],
            created_by=request.user,
        )
        return Response(plan_payload(_get_plan(request, plan.pk)), status=status.HTTP_201_CREATED)


class PlanDetailView(generics.RetrieveAPIView):
    """Her own plan, or any for staff: another client's is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[TreatmentPlan]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return TreatmentPlan.objects.none()
        return plans_visible_to(self.request.user)

    @extend_schema(summary="One plan with its sessions and their windows", responses=PlanSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request, *args, **kwargs)


class PlanCourseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Proposed times for every remaining session, each inside its window",
        responses=CourseProposalSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        proposals = propose_course(plan=_get_plan(request, pk))
        return Response({"sessions": [_proposal_payload(p) for p in proposals]})

    @extend_schema(
        summary="Book the proposed sessions together: all of them or none (409 if one was taken)",
        parameters=[IDEMPOTENCY_KEY],
        request=CourseInput,
        responses={201: CourseBookedSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        roles.check_books_for_clients(request.user)  # a practitioner books no course for her client
        plan = _get_plan(request, pk)

        def book() -> Response:
            data = CourseInput(data=request.data)
            data.is_valid(raise_exception=True)
            items = [(s["number"], s["start"], s["practitioner"]) for s in data.validated_data["sessions"]]
            booked = book_course(plan=plan, proposals=proposals_from(plan=plan, items=items), booked_by=request.user)
            return Response(
                {"appointments": [a.pk for a in booked], "plan": plan_payload(_get_plan(request, pk))},
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, book)


def _proposal_payload(proposal: Proposal) -> dict[str, Any]:
    return {
        "number": proposal.number,
        "start": proposal.start.isoformat(),
        "end": proposal.end.isoformat(),
        "practitioner": proposal.practitioner.pk,
        "practitioner_name": proposal.practitioner.display_name,
        "window_start": proposal.window.start.isoformat() if proposal.window.start else None,
        "window_end": proposal.window.end.isoformat() if proposal.window.end else None,
        "same_time": proposal.same_time,
    }


class AppointmentCompleteView(APIView):
    permission_classes = [IsStaff]  # the role is checked below, with the service's own code

    @extend_schema(
        summary="Record the session of a needling appointment and complete it (a practitioner)",
        description=(
            "Only after check-in and the start time (`not_started`). Never above the recording practitioner's "
            "limit (`depth_over_limit`), the booked practitioner's, 1.5 mm for a non-scarring concern, the area's "
            "ceiling or 2.0 mm, whatever the reason; inside those, a depth outside the plan's range needs "
            "`depth_override_reason` of a few words. Areas must lie within the plan's area (or the service's). "
            "Every problem is listed at once in `problems` (depth and areas first); depth errors are also "
            "reported on `needle_depth_mm`. Works for appointments without a plan."
        ),
        request=CompleteInput,
        responses=SessionRecordSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        appointment = get_object_or_404(Appointment.objects.select_related("practitioner"), pk=pk)
        if not request.user.has_perm(RECORD_SESSION):
            raise SchedulingError("not_a_practitioner")  # 403, as the service says it
        roles.check_may_record(request.user, appointment)
        data = CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            record = record_session(
                appointment=appointment,
                depth_used_mm=values["needle_depth_mm"],
                areas=values["areas"],
                products=values["products"],
                reaction=values["reaction"],
                notes=values["notes"],
                depth_override_reason=values["depth_override_reason"],
                by=request.user,
            )
        except SchedulingError as error:
            # The API calls the depth ``needle_depth_mm`` (SPEC.md).
            for problem in [error, *error.problems]:
                if problem.field == "depth_used_mm":
                    problem.field = "needle_depth_mm"
            raise
        record = (
            PlanSession.objects.select_related("plan", "plan__concern", "plan__area", "appointment")
            .prefetch_related("areas", "products", "plan__sessions")
            .get(pk=record.pk)
        )
        return Response(session_payload(record))


urlpatterns = [
    path("plans", PlanListView.as_view(), name="api-plans"),
    path("plans/<int:pk>", PlanDetailView.as_view(), name="api-plan"),
    path("plans/<int:pk>/course", PlanCourseView.as_view(), name="api-plan-course"),
    path("appointments/<int:pk>/complete", AppointmentCompleteView.as_view(), name="api-appointment-complete"),
]
