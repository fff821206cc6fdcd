from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from spa import health
from treatments.selectors import active_concerns, active_services


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"concerns": active_concerns(), "services": active_services()},
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the real one. The static
    URL is looked up per request, after collectstatic wrote the manifest."""
    return redirect(static("favicon.svg"), permanent=True)


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"database": "ok", "broker": "ok"}`` for load balancers, or 503 naming what is down."""
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
