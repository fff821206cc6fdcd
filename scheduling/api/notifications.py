"""``GET me/notifications``: her messages, sent, pending and withdrawn, newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling.models import Notification
from scheduling.notifications.selectors import notifications_for_client

#: What the client sees: ``sending`` is an internal step of ``pending``.
PUBLIC_STATUS = {Notification.Status.SENDING: Notification.Status.PENDING}


class NotificationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "channel", "due_at", "sent_at", "status", "subject"]

    def get_status(self, obj: Notification) -> str:
        return PUBLIC_STATUS.get(obj.status, obj.status)


class MyNotificationsView(generics.ListAPIView):
    """Her messages, newest first, paged in headers (``spa.lib.pagination``)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Notification.objects.none()
        return notifications_for_client(client=self.request.user)

    @extend_schema(
        responses={200: NotificationSerializer(many=True)},
        summary="My messages",
        description="Sent, pending and withdrawn messages, newest first. `status` is `pending`, `sent`, "
        "`cancelled` (withdrawn) or `failed`.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


urlpatterns: list[URLPattern] = [
    path("me/notifications", MyNotificationsView.as_view(), name="api-me-notifications"),
]
