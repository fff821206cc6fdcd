"""Messages: the client's Messages page, the pre-visit check, and the staff outbox (with resend)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduling.booking.selectors import get_appointment_for_client
from scheduling.care.checkin import DayOfAnswersForm
from scheduling.care.previsit import PrevisitAnswers, submit_previsit_check
from scheduling.errors import SchedulingError
from scheduling.filters import OutboxFilter
from scheduling.models import Notification
from scheduling.notifications.dispatch import resend_notification
from scheduling.notifications.selectors import notifications_for_client, outbox_rows
from spa.lib.access import staff_required
from spa.lib.roles import VIEW_CLIENT_RECORD

PAGE_SIZE = 50


class PrevisitForm(DayOfAnswersForm):
    """The day-of questions as she answers them before her visit."""


@login_required
@require_GET
def my_messages(request: HttpRequest) -> HttpResponse:
    rows = notifications_for_client(client=request.user)
    # Withdrawn messages (a cancelled booking's reminders) are kept, but folded away below.
    live = rows.exclude(status=Notification.Status.CANCELLED)
    page = Paginator(live, PAGE_SIZE).get_page(request.GET.get("page"))
    withdrawn = list(rows.filter(status=Notification.Status.CANCELLED)[:PAGE_SIZE])
    return render(request, "scheduling/messages/list.html", {"page": page, "withdrawn": withdrawn})


@login_required
@require_http_methods(["GET", "POST"])
def previsit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_client(request.user, pk)
    form = PrevisitForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = submit_previsit_check(
                appointment=appointment, answers=PrevisitAnswers(**form.cleaned_data), by=request.user
            )
        except SchedulingError as error:
            form.add_error(None, error.message)
    return render(
        request, "scheduling/messages/previsit.html", {"appointment": appointment, "form": form, "result": result}
    )


@staff_required(perm=VIEW_CLIENT_RECORD)
@require_GET
def staff_outbox(request: HttpRequest) -> HttpResponse:
    found = OutboxFilter(request.GET or None, queryset=outbox_rows())
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "scheduling/messages/staff_outbox.html", {"form": found.form, "page": page, "query": query.urlencode()}
    )


@staff_required(perm=VIEW_CLIENT_RECORD)
@require_POST
def staff_outbox_resend(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk)
    try:
        resend_notification(notification=notification, by=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{notification.subject}” is queued again.")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if back and safe else "scheduling:staff_outbox")


urlpatterns = [
    path("messages/", my_messages, name="messages"),
    path("appointments/<int:pk>/pre-visit-check/", previsit, name="previsit"),
    path("staff/outbox/", staff_outbox, name="staff_outbox"),
    path("staff/outbox/<int:pk>/resend/", staff_outbox_resend, name="staff_outbox_resend"),
]
