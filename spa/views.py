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
    """For load balancers and monitoring: ``{"database", "broker", "outbox"}``, each ``ok`` or
    what is wrong. 503 when the database or the broker is not ``ok`` (``down``, or ``stalled``:
    messages wait and no worker takes them); an outbox running ``late`` is reported with a 200,
    since this node can still serve pages and book."""
    database_ok = health.database_ok()
    body = {
        "database": "ok" if database_ok else "down",
        "broker": health.broker_state(),
        "outbox": health.outbox_state() if database_ok else "unknown",
    }
    healthy = body["database"] == "ok" and body["broker"] == "ok"
    return JsonResponse(body, status=200 if healthy else 503)


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
