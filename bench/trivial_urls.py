"""The project's URLs plus one trivial JSON view, the baseline of the availability benchmark."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from spa.urls import urlpatterns as spa_urlpatterns


def trivial(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial", trivial), *spa_urlpatterns]
