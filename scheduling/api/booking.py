"""Booking API: appointments (book, list, detail), cancel and reschedule (availability: ``availability.py``).

Thin views: parse with a serializer, fetch with an access-scoped selector (another client's
appointment is a 404), call one service; ``SchedulingError`` becomes 400/403/409 in the one
exception handler (``spa.api``). Times are ISO 8601 in the spa's local time with its offset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from scheduling import roles
from scheduling.booking.idempotency import Answer, run_once
from scheduling.booking.selectors import appointments_for_user, get_appointment_for_user, get_plan_for_client
from scheduling.booking.services import book_appointment, cancel_appointment, reschedule_appointment
from scheduling.filters import AppointmentFilter
from scheduling.models import Appointment, Practitioner
from spa.lib.roles import BOOK_FOR_CLIENTS
from treatments.models import Service

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). A repeat from the same user with the same key and body gets the "
        "first answer back and nothing is done twice. Keys are kept 48 hours."
    ),
)


def idempotent(request: Request, run: Callable[[], Response]) -> Response:
    """``run()`` once per ``Idempotency-Key`` of this user (scheduling.booking.idempotency); without the
    header, simply ``run()``. A replayed answer carries ``Idempotent-Replayed: true``."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return run()

    def answer() -> Answer:
        response = run()
        return Answer(status=response.status_code, body=response.data)

    result = run_once(
        user=request.user, key=key, scope=f"{request.method} {request.path}", payload=request.data, run=answer
    )
    response = Response(result.body, status=result.status)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class PractitionerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AppointmentSerializer(serializers.ModelSerializer):
    practitioner = serializers.SerializerMethodField()
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    room = serializers.CharField(source="room.name", read_only=True)
    client = serializers.IntegerField(source="client_id", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "start",
            "end",
            "status",
            "practitioner",
            "plan",
            "session_number",
            "service",
            "room",
            "client",
            "late_cancellation",
            "window_override_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(PractitionerRefSerializer)
    def get_practitioner(self, appointment: Appointment) -> dict[str, Any]:
        return {"id": appointment.practitioner_id, "name": appointment.practitioner.display_name}


def service_field(**kwargs: Any) -> serializers.SlugRelatedField:
    """An active service by its slug; any other value is a 400 on the field."""
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.filter(active=True),
        error_messages={"does_not_exist": "Unknown service.", "invalid": "Unknown service."},
        **kwargs,
    )


def practitioner_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    """An active practitioner by id; any other value is a 400 on the field."""
    return serializers.PrimaryKeyRelatedField(
        queryset=Practitioner.objects.filter(active=True),
        error_messages={"does_not_exist": "Unknown practitioner.", "incorrect_type": "A practitioner's id."},
        **kwargs,
    )


class BookingInput(serializers.Serializer):
    service = service_field(required=False, help_text="Service slug; defaults to the plan's service.")
    start = serializers.DateTimeField(help_text="A start offered by `availability` (ISO 8601 with offset).")
    practitioner = practitioner_field(required=False, allow_null=True)
    # Her own plan only, looked up by the view with ``get_plan_for_client``: another's is a 404.
    plan = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    client = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text="Staff only: book for a client."
    )
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Staff only: why a rule is overridden."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("service") and not attrs.get("plan"):
            raise serializers.ValidationError({"service": ["This field is required."]})
        return attrs


class RescheduleInput(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The new start, offered by `availability`.")
    practitioner = practitioner_field(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class _BookingThrottleMixin:
    """The ``booking`` rate applies to writes only; reads are not throttled here."""

    throttle_scope = "booking"

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":  # type: ignore[attr-defined]
            return [ScopedRateThrottle()]
        return []


class AppointmentListView(_BookingThrottleMixin, generics.ListAPIView):
    """GET: the appointments the user may see, paged in headers (``spa.lib.pagination``)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter

    def get_queryset(self) -> QuerySet[Appointment]:
        return appointments_for_user(self.request.user).order_by("start", "pk")

    @extend_schema(
        summary="Appointments: a client's own; staff all (optionally one local date)",
        responses=AppointmentSerializer(many=True),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Book an appointment at an offered start",
        parameters=[IDEMPOTENCY_KEY],
        request=BookingInput,
        responses={201: AppointmentSerializer},
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda: self._book(request))

    def _book(self, request: Request) -> Response:
        form = BookingInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        client = request.user
        if data.get("client"):
            if not request.user.is_staff:
                raise serializers.ValidationError({"client": ["Only staff book for another client."]})
            if not request.user.has_perm(BOOK_FOR_CLIENTS):
                raise PermissionDenied("Only the front desk books for another client.")
            client = get_user_model().objects.filter(pk=data["client"], is_active=True).first()
            if client is None:
                raise serializers.ValidationError({"client": ["Unknown client."]})
        plan = get_plan_for_client(request.user, data["plan"]) if data.get("plan") else None
        appointment = book_appointment(
            client=client,
            service=data.get("service"),
            start=data["start"],
            practitioner=data.get("practitioner"),
            plan=plan,
            booked_by=request.user,
            override_reason=data.get("override_reason", ""),
        )
        fresh = appointments_for_user(request.user).get(pk=appointment.pk)
        return Response(AppointmentSerializer(fresh).data, status=status.HTTP_201_CREATED)


class AppointmentDetailView(generics.RetrieveAPIView):
    """Her own appointment, or any for staff: another client's is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppointmentSerializer

    def get_queryset(self) -> QuerySet[Appointment]:
        return appointments_for_user(self.request.user)

    @extend_schema(summary="One appointment (a client's own; staff any)", responses=AppointmentSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request, *args, **kwargs)


class AppointmentCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancel (clients until the cut-off; staff always, late ones recorded)",
        parameters=[IDEMPOTENCY_KEY],
        request=None,
        responses=AppointmentSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        roles.check_books_for_clients(request.user)
        appointment = get_appointment_for_user(request.user, pk)

        def cancel() -> Response:
            cancel_appointment(appointment=appointment, by=request.user)
            return Response(AppointmentSerializer(get_appointment_for_user(request.user, pk)).data)

        return idempotent(request, cancel)


class AppointmentRescheduleView(_BookingThrottleMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Move to another offered start (clients until the cut-off)",
        parameters=[IDEMPOTENCY_KEY],
        request=RescheduleInput,
        responses=AppointmentSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        roles.check_books_for_clients(request.user)
        appointment = get_appointment_for_user(request.user, pk)

        def move() -> Response:
            form = RescheduleInput(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
            reschedule_appointment(
                appointment=appointment,
                start=data["start"],
                practitioner=data.get("practitioner"),
                by=request.user,
                override_reason=data.get("override_reason", ""),
            )
            return Response(AppointmentSerializer(get_appointment_for_user(request.user, pk)).data)

        return idempotent(request, move)


urlpatterns = [
    path("appointments", AppointmentListView.as_view(), name="api-appointments"),
    path("appointments/<int:pk>", AppointmentDetailView.as_view(), name="api-appointment"),
    path("appointments/<int:pk>/cancel", AppointmentCancelView.as_view(), name="api-appointment-cancel"),
    path("appointments/<int:pk>/reschedule", AppointmentRescheduleView.as_view(), name="api-appointment-reschedule"),
]
