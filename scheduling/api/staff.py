"""Staff API: the day's schedule with intake flags, check-in, no-show; and an appointment's ``.ics``.

Staff only (``is_staff``) except the ``.ics``, which a client may fetch for her own appointment.
Wrong-status actions are 400 with ``code`` through the one exception handler (``spa.api``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import path
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import roles
from scheduling.api.booking import AppointmentSerializer, PractitionerRefSerializer
from scheduling.booking import calendars
from scheduling.booking.selectors import appointments_for_user, get_appointment_for_user
from scheduling.care.attendance import check_in_appointment, mark_no_show
from scheduling.care.checkin import MEDICATION_CHOICES, PREGNANCY_CHOICES, PROCEDURE_CHOICES, DayOfAnswers
from scheduling.filters import ScheduleFilter
from scheduling.models import Appointment
from scheduling.resources.schedule import Entry, schedule_appointments, schedule_entries
from spa.lib.access import StaffPermission
from spa.lib.roles import CHECK_IN
from spa.lib.schema import PAGED_INSIDE


class ClientRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A contraindication slug, a screening status, `staff_flag`, ...")
    severity = serializers.CharField()
    text = serializers.CharField()


class ScheduleEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Appointment.Status.choices)
    client = ClientRefSerializer()
    practitioner = PractitionerRefSerializer()
    room = serializers.CharField()
    service = serializers.CharField(help_text="Service slug.")
    plan = serializers.IntegerField(allow_null=True)
    session_number = serializers.IntegerField(allow_null=True)
    flags = FlagSerializer(many=True)
    screening_status = serializers.CharField(
        allow_null=True, help_text="clear, staff_review, doctor_clearance, blocked, expired or missing."
    )


class ScheduleSerializer(serializers.Serializer):
    date = serializers.DateField()
    appointments = ScheduleEntrySerializer(many=True)


def _entry(entry: Entry) -> dict[str, Any]:
    a = entry.appointment
    return {
        "id": a.pk,
        "start": a.start,
        "end": a.end,
        "status": a.status,
        "client": {"id": a.client_id, "name": a.client.get_full_name() or a.client.email},
        "practitioner": {"id": a.practitioner_id, "name": a.practitioner.display_name},
        "room": a.room.name,
        "service": a.service.slug,
        "plan": a.plan_id,
        "session_number": a.session_number,
        "flags": entry.flags,
        "screening_status": entry.screening_status,
    }


class ScheduleView(generics.GenericAPIView):
    """One local day's appointments with intake flags, paged in headers (``spa.lib.pagination``)."""

    permission_classes = [IsAdminUser]  # any staff; a practitioner's role sees their own column
    filterset_class = ScheduleFilter

    def get_queryset(self) -> QuerySet[Appointment]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Appointment.objects.none()
        # Everybody's for those who see every schedule, else the user's own (403 if none).
        return schedule_appointments(practitioner=roles.schedule_practitioner(self.request.user, None))

    @extend_schema(
        summary="The day's appointments with intake flags (staff)",
        parameters=PAGED_INSIDE,
        filters=True,
        responses=ScheduleSerializer,
    )
    def get(self, request: Request) -> Response:
        # The FilterSet by hand, not the filter backend: the body names the day it chose.
        day = self.filterset_class(request.query_params, queryset=self.get_queryset(), request=request)
        if not day.is_valid():
            raise translate_validation(day.errors)
        # A day is short: paged in memory, so the page costs no COUNT query.
        rows = self.paginate_queryset(list(day.qs))
        body = {"date": day.form.cleaned_data["date"], "appointments": [_entry(e) for e in schedule_entries(rows)]}
        return self.paginator.add_headers(Response(ScheduleSerializer(body).data))


def _staff_action(request: Request, pk: int, action: Any) -> Response:
    appointment = get_appointment_for_user(request.user, pk)
    roles.check_appointment_scope(request.user, appointment)
    action(appointment=appointment, by=request.user)
    return Response(AppointmentSerializer(appointments_for_user(request.user).get(pk=pk)).data)


class DayOfSerializer(serializers.Serializer):
    """Every day-of question must be answered (no defaults: an unasked question is not a "no")."""

    pregnancy = serializers.ChoiceField(choices=[c for c, _ in PREGNANCY_CHOICES])
    infection = serializers.BooleanField(help_text="Infection, cold sore or open wound in the area.")
    medication = serializers.ChoiceField(choices=[c for c, _ in MEDICATION_CHOICES])
    sunburn = serializers.BooleanField()
    procedures = serializers.ChoiceField(
        choices=[c for c, _ in PROCEDURE_CHOICES], help_text="Botox, fillers, peel or laser since her last visit."
    )


class CheckInInput(serializers.Serializer):
    day_of = DayOfSerializer(
        required=False,
        help_text="The day-of questions asked at the desk; leave out when she answered the pre-visit check.",
    )


class CheckInView(APIView):
    permission_classes = [StaffPermission.of(CHECK_IN)]

    @extend_schema(
        summary="Check a client in (staff; a booked appointment, on its day, after re-screening)",
        description=(
            "Refused with 403 `screening` and the reason in plain words unless her intake is valid, her consent "
            "is the current version, no answer needs a new doctor's clearance, and the day-of questions were "
            "answered (in her pre-visit check, or here in `day_of`) with no yes that screening does not lift."
        ),
        request=CheckInInput,
        responses=AppointmentSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = CheckInInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        day_of = data.validated_data.get("day_of")
        appointment = get_appointment_for_user(request.user, pk)
        check_in_appointment(
            appointment=appointment, by=request.user, answers=DayOfAnswers(**day_of) if day_of is not None else None
        )
        return Response(AppointmentSerializer(appointments_for_user(request.user).get(pk=pk)).data)


class NoShowView(APIView):
    permission_classes = [StaffPermission.of(CHECK_IN)]

    @extend_schema(
        summary="Record a no-show (staff; only a booked appointment after its start); withdraws reminders",
        request=None,
        responses=AppointmentSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _staff_action(request, pk, mark_no_show)


class CalendarRenderer(BaseRenderer):
    """Lets a client that asks for ``text/calendar`` get the file (errors still come as JSON)."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class AppointmentIcsView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CalendarRenderer]

    @extend_schema(
        summary="The appointment as an iCalendar file (a client's own; staff any)",
        responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY, description="RFC 5545 calendar")},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        appointment = get_appointment_for_user(request.user, pk)
        response = HttpResponse(calendars.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename=appointment-{appointment.pk}.ics"
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON whatever the client asked for (``?format=ics`` or ``Accept``).
        if getattr(response, "status_code", 200) >= 400 and hasattr(response, "data"):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


urlpatterns = [
    path("schedule", ScheduleView.as_view(), name="api-schedule"),
    path("appointments/<int:pk>/check-in", CheckInView.as_view(), name="api-appointment-check-in"),
    path("appointments/<int:pk>/no-show", NoShowView.as_view(), name="api-appointment-no-show"),
    path("appointments/<int:pk>.ics", AppointmentIcsView.as_view(), name="api-appointment-ics"),
]
