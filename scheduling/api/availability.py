"""Availability API: free slots (full or compact) and the day summary of a booking page.

``GET availability`` answers one question in full (``slots``), or with ``compact=1`` as local
``HH:MM`` starts grouped by date and practitioner, each practitioner listed once.
``GET availability/days`` gives each local date's number of free start times and the first one:
what a day strip shows before the client picks a day and asks for that day's times.

Both read the same engine (``scheduling.resources.availability``) and keep their answers in the answer
cache (``scheduling.resources.answer_cache``), keyed by the schedule version; a booking never trusts it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from scheduling.api.booking import PractitionerRefSerializer, practitioner_field, service_field
from scheduling.booking.selectors import get_plan_for_client
from scheduling.booking.spacing import personal_filter
from scheduling.errors import SchedulingError
from scheduling.models import TreatmentPlan
from scheduling.plans.fit import course_depth
from scheduling.plans.services import check_plan_bookable
from scheduling.plans.windows import next_window
from scheduling.resources.answer_cache import answer_key, cached_answer, remember_answer
from scheduling.resources.availability import DaySummary, FreeStarts, Slot, free_starts
from treatments.models import Service

MAX_RANGE_DAYS = 62


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = PractitionerRefSerializer()


class AvailabilitySerializer(serializers.Serializer):
    timezone = serializers.CharField()
    slots = SlotSerializer(many=True)


class CompactAvailabilitySerializer(serializers.Serializer):
    timezone = serializers.CharField()
    duration_minutes = serializers.IntegerField(help_text="A slot ends this many minutes after its start.")
    practitioners = PractitionerRefSerializer(many=True)
    dates = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text='{"YYYY-MM-DD": {"<practitioner id>": ["HH:MM", ...]}}: local start times, in order.',
    )


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField(help_text="Free start times that day (any practitioner, or the one asked).")
    first = serializers.DateTimeField(allow_null=True, help_text="The first free start, or null.")


class AvailabilityDaysSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    days = DaySerializer(many=True)


class AvailabilityQuery(serializers.Serializer):
    service = service_field(required=False, help_text="Service slug; defaults to the plan's service.")
    start = serializers.DateField(help_text="First local date (included).")
    end = serializers.DateField(help_text="Last local date (included).")
    practitioner = practitioner_field(required=False)
    # Her own plan only, looked up with ``get_plan_for_client``: another's is a 404.
    plan = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Only this plan's next window."
    )
    client = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Staff: only times this client may book (her spacing and diary). A signed-in client always.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        if (attrs["end"] - attrs["start"]).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"end": [f"Ask for at most {MAX_RANGE_DAYS} days at a time."]})
        if "service" not in attrs and "plan" not in attrs:
            raise serializers.ValidationError({"service": ["This field is required."]})
        return attrs


class CompactQuery(AvailabilityQuery):
    compact = serializers.BooleanField(
        required=False, default=False, help_text="1: local HH:MM starts grouped by date and practitioner."
    )


def _question(
    request: Request, query_class: type[AvailabilityQuery]
) -> tuple[dict[str, Any], tuple[object, ...], dict[str, Any], TreatmentPlan | None]:
    """The validated question (engine arguments) and its cache key parts. A plan is only its
    owner's (or staff's) to ask about: anybody else gets a 404."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    service, plan, window, min_depth = data.get("service"), None, None, None
    if "plan" in data:
        plan = get_plan_for_client(request.user, data["plan"])
        window = next_window(plan)
        if window is None:
            check_plan_bookable(plan)
            raise SchedulingError("plan_complete", field="plan")
        min_depth = course_depth(plan)  # practitioners who can finish the course (scheduling/fit.py)
        service = service or plan.service
    asked = {
        "service": service,
        "start_date": data["start"],
        "end_date": data["end"],
        "practitioner": data.get("practitioner"),
        "window": window,
        "min_depth_mm": min_depth,
    }
    parts = (
        service.pk,
        data["start"],
        data["end"],
        data["practitioner"].pk if data.get("practitioner") else None,
        (window.start, window.end) if window else None,
        min_depth,
        data.get("compact", False),
    )
    return asked, parts, data, plan


def _answer(request: Request, kind: str, query_class: type[AvailabilityQuery], body: Callable) -> HttpResponse:
    """Answer from the cache, or compute ``body(found, asked, data)`` and keep it.

    A public question (no plan) is looked up by its raw parameters before any validation or
    query: the same text at the same schedule version gets the same answer. A signed-in
    client's question (or staff's with ``client``) is hers alone: never cached. A cold public
    answer costs at most four round trips to Redis: the schedule version (read at most once a
    second per process; added when the cache has none), the miss, the write."""
    now = timezone.now()
    personal = request.user.is_authenticated and (not request.user.is_staff or "client" in request.query_params)
    raw_key = None
    if "plan" not in request.query_params and not personal:
        names = ("service", "start", "end", "practitioner", "compact")
        raw_key = answer_key((kind, "raw", *(request.query_params.get(name) for name in names)), now=now)
        content = cached_answer(raw_key)
        if content is not None:
            return HttpResponse(content, content_type="application/json")
    asked, parts, data, plan = _question(request, query_class)
    if personal:
        window = asked["window"]
        suits = personal_filter(
            client_id=_asked_for(request, data),
            service=asked["service"],
            plan=plan,
            session_number=window.number if window else None,
        )
        found = free_starts(**asked, now=now).keep(suits)
        return HttpResponse(_json(body(found, asked, data)), content_type="application/json")
    # A public question is kept under its raw key only (one write); staff's plan question,
    # which has none, under the validated one.
    key = raw_key
    if key is None:
        key = answer_key((kind, *parts), now=now)
        content = cached_answer(key)
        if content is not None:
            return HttpResponse(content, content_type="application/json")
    content = _json(body(free_starts(**asked, now=now), asked, data))
    remember_answer(key, content)
    return HttpResponse(content, content_type="application/json")


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _asked_for(request: Request, data: dict[str, Any]) -> int:
    """The client whose spacing and diary shape the answer: herself, or staff's ``client``."""
    if not request.user.is_staff:
        if data.get("client") not in (None, request.user.pk):
            raise serializers.ValidationError({"client": ["Only staff ask for another client."]})
        return request.user.pk
    if not get_user_model().objects.filter(pk=data["client"], is_active=True).exists():
        raise serializers.ValidationError({"client": ["Unknown client."]})
    return data["client"]


class AvailabilityView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Free slots of a service between two local dates (both included)",
        parameters=[CompactQuery],
        responses=PolymorphicProxySerializer(
            component_name="AvailabilityAnswer",
            serializers=[AvailabilitySerializer, CompactAvailabilitySerializer],
            resource_type_field_name=None,
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        return _answer(request, "slots", CompactQuery, _body)


class AvailabilityDaysView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Each local date's number of free start times and the first one (a booking page's day strip)",
        parameters=[AvailabilityQuery],
        responses=AvailabilityDaysSerializer,
    )
    def get(self, request: Request) -> HttpResponse:
        return _answer(request, "days", AvailabilityQuery, _days_body)


def _body(found: FreeStarts, asked: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    if data.get("compact"):
        return compact_body(found, service=asked["service"])
    return slots_body(found.slots())


def _days_body(found: FreeStarts, asked: dict[str, Any], _data: dict[str, Any]) -> dict[str, Any]:
    return days_body(found.summaries(asked["start_date"], asked["end_date"]))


def slots_body(slots: list[Slot]) -> dict[str, Any]:
    # Plain dicts, not a serializer: thousands of slots for a month, each instant formatted
    # once. The engine shares one datetime object per minute between slots, so the text is
    # keyed by identity (hashing an aware datetime asks its zone each time); each
    # practitioner's dict is made once and shared.
    text: dict[int, str] = {}
    people: dict[int, dict[str, Any]] = {}
    found = []
    for start, end, _until, pid, name, _rooms in slots:
        begins = text.get(id(start))
        if begins is None:
            begins = text[id(start)] = start.isoformat()
        ends = text.get(id(end))
        if ends is None:
            ends = text[id(end)] = end.isoformat()
        person = people.get(pid)
        if person is None:
            person = people[pid] = {"id": pid, "name": name}
        found.append({"start": begins, "end": ends, "practitioner": person})
    return {"timezone": settings.TIME_ZONE, "slots": found}


def compact_body(found: FreeStarts, *, service: Service) -> dict[str, Any]:
    """Practitioners once; starts as local ``HH:MM`` by date, then by practitioner id."""
    dates = {day.isoformat(): {str(pid): times for pid, times in people} for day, people in found.clock_times()}
    offered = {int(pid) for people in dates.values() for pid in people}
    return {
        "timezone": settings.TIME_ZONE,
        "duration_minutes": service.duration_minutes,
        "practitioners": [{"id": pid, "name": name} for pid, name in found.staff if pid in offered],
        "dates": dates,
    }


def days_body(days: list[DaySummary]) -> dict[str, Any]:
    return {
        "timezone": settings.TIME_ZONE,
        "days": [
            {"date": d.date.isoformat(), "count": d.count, "first": d.first.isoformat() if d.first else None}
            for d in days
        ],
    }


urlpatterns = [
    path("availability", AvailabilityView.as_view(), name="api-availability"),
    path("availability/days", AvailabilityDaysView.as_view(), name="api-availability-days"),
]
