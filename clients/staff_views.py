"""Staff pages about clients: the list with search, the client record, the clearance letters.

Every view of a client record (and every letter opened) writes an ``AuditEntry``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from clients import services
from clients.errors import ClientsError
from clients.filters import ClientFilter
from clients.forms import ClearanceForm, add_service_error
from clients.models import AuditEntry, DoctorClearance
from clients.screening import screening_status, screening_statuses
from clients.selectors import client_record, get_client_for_staff, staff_client_list
from clients.views import client_ip
from spa.lib.access import staff_required
from spa.lib.roles import GRANT_CLEARANCE, VIEW_CLIENT_RECORD
from spa.lib.uploads import serve_upload

PAGE_SIZE = 50


@staff_required(perm=VIEW_CLIENT_RECORD)
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    found = ClientFilter(request.GET or None, queryset=staff_client_list())
    search = found.form.cleaned_data.get("q", "") if found.is_valid() else ""
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = screening_statuses([user.pk for user in page])
    rows = [(user, statuses[user.pk]) for user in page]
    return render(
        request, "clients/staff_list.html", {"form": found.form, "page": page, "rows": rows, "search": search}
    )


@sensitive_post_parameters()
@staff_required(perm=VIEW_CLIENT_RECORD)
@require_http_methods(["GET", "POST"])
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_staff(pk=pk)
    if request.method == "POST" and not request.user.has_perm(GRANT_CLEARANCE):
        raise PermissionDenied("Your role does not record clearances.")
    form = ClearanceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_clearance(
                client=client,
                note=data["note"],
                by=request.user,
                contraindications=list(data["contraindications"]) or None,
                letter=data["letter"],
                cleared_on=data["cleared_on"],
                expires_on=data["expires_on"],
            )
        except ClientsError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The doctor's clearance is recorded.")
            return redirect("clients:staff_client", pk=client.pk)
    services.record_access(
        actor=request.user,
        client=client,
        action=AuditEntry.Action.VIEW,
        what="viewed the client record",
        ip=client_ip(request),
    )
    context = {"client": client, "screening": screening_status(user_id=client.pk), "form": form}
    context.update(client_record(user=client))
    return render(request, "clients/staff_client.html", context, status=400 if form.errors else 200)


@staff_required(perm=VIEW_CLIENT_RECORD)
@require_GET
def clearance_letter(request: HttpRequest, pk: int) -> FileResponse:
    """A clearance's scanned letter, to staff only (MEDIA_ROOT is never served directly)."""
    clearance = get_object_or_404(DoctorClearance.objects.select_related("client"), pk=pk)
    if not clearance.letter:
        raise Http404("No letter.")
    services.record_access(
        actor=request.user,
        client=clearance.client,
        action=AuditEntry.Action.VIEW,
        what=f"opened the clearance letter #{clearance.pk}",
        ip=client_ip(request),
    )
    # A letter is always a download, even a re-encoded scan.
    return serve_upload(clearance.letter, download_name=f"clearance-letter-{clearance.pk}", inline_images=False)
