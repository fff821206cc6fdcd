"""The public catalogue API: concerns, areas, services and the recommendation."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from treatments.models import Concern, Service, TreatmentArea
from treatments.selectors import recommend


class ConcernSerializer(serializers.ModelSerializer):
    class Meta:
        model = Concern
        fields = [
            "slug",
            "name",
            "description",
            "is_scarring",
            "initial_sessions",
            "max_sessions",
            "interval_min_weeks",
            "interval_max_weeks",
        ]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = TreatmentArea
        fields = ["slug", "name"]


class ServiceSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "description", "duration_minutes", "buffer_minutes", "price", "is_needling", "areas"]


class ConcernList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ConcernSerializer
    queryset = Concern.objects.filter(active=True)


class AreaList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = AreaSerializer
    queryset = TreatmentArea.objects.all()


class ServiceList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ServiceSerializer
    queryset = Service.objects.filter(active=True).prefetch_related("areas")


class RecommendationQuery(serializers.Serializer):
    concern = serializers.SlugField()
    area = serializers.SlugField()


_range = {"min": serializers.FloatField(), "max": serializers.FloatField()}


class RecommendationView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("concern", str, required=True), OpenApiParameter("area", str, required=True)],
        responses=inline_serializer(
            "Recommendation",
            {
                "concern": serializers.CharField(),
                "area": serializers.CharField(),
                "depth_mm": inline_serializer("DepthRange", _range),
                "sessions": inline_serializer(
                    "SessionCount", {"initial": serializers.IntegerField(), "max": serializers.IntegerField()}
                ),
                "interval_weeks": inline_serializer(
                    "IntervalWeeks", {"min": serializers.IntegerField(), "max": serializers.IntegerField()}
                ),
                "aftercare": serializers.ListField(child=serializers.DictField()),
                "products": serializers.ListField(child=serializers.DictField()),
                "service": serializers.CharField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = RecommendationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(recommend(**query.validated_data).as_dict())


urlpatterns = [
    path("concerns", ConcernList.as_view(), name="api-concerns"),
    path("areas", AreaList.as_view(), name="api-areas"),
    path("services", ServiceList.as_view(), name="api-services"),
    path("recommendation", RecommendationView.as_view(), name="api-recommendation"),
]
