"""The project's URLs: pages per app, the JSON API under /api/v1/, its schema, the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import clients.api
import scheduling.api
import treatments.api
from spa import views

# One title for the admin's header, its tab title and its index (not "Django site admin").
admin.site.site_header = admin.site.site_title = f"{settings.SPA_NAME} administration"
admin.site.index_title = "Treatment rules, services, rooms and staff"

api_urlpatterns = [
    *treatments.api.urlpatterns,
    *clients.api.urlpatterns,
    *scheduling.api.urlpatterns,
    # Anything else under /api/v1/ is a JSON 404, not Django's HTML page.
    re_path(r"^.*$", views.api_not_found),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("accounts/", include("clients.auth_urls")),
    path("", include("treatments.urls")),
    path("", include("clients.urls")),
    path("", include("scheduling.urls")),
    path("api/v1/", include(api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
