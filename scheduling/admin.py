"""The owner's admin for scheduling: practitioners (working hours inline, services), rooms, time
off, closures, appointments (filters; actions through the staff services), plans, the outbox
(resend failed messages).

Rules stay in the services: the hours inline is checked by ``check_intervals``; appointment
times and status are read-only here (booking, reschedule, cancel, check-in and no-show go through
their services, as actions or on the staff pages) so nothing can double-book from the admin.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from scheduling.booking.services import cancel_appointment
from scheduling.care.attendance import check_in_appointment, mark_no_show
from scheduling.errors import SchedulingError
from scheduling.models import (
    AdverseEvent,
    Alert,
    Appointment,
    BookingPolicy,
    Closure,
    DayOfCheck,
    Notification,
    PlanSession,
    Practitioner,
    Room,
    TimeOff,
    TreatmentPlan,
    WorkingHours,
)
from scheduling.notifications.dispatch import resend_notification
from scheduling.resources.selectors import appointments_during
from scheduling.resources.services import Interval, check_intervals
from spa.lib.admin import HistoryAdmin


class WorkingHoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        intervals = [
            Interval(f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["end_time"])
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and all(f.cleaned_data.get(k) is not None for k in ("weekday", "start_time", "end_time"))
        ]
        try:
            check_intervals(intervals)
        except SchedulingError as error:
            raise ValidationError(error.message, code=error.code) from error


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 1
    ordering = ["weekday", "start_time"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    ordering = ["-start"]
    verbose_name_plural = "time off (spa local time)"


@admin.register(Practitioner)
class PractitionerAdmin(HistoryAdmin):
    list_display = ["display_name", "user", "max_depth_mm", "service_count", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active", "services"]
    search_fields = ["display_name", "user__email", "user__first_name", "user__last_name"]
    # Plain checkboxes: the two-box widget's ARIA fails axe-core (see treatments/admin.py).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    raw_id_fields = ["user"]
    readonly_fields = ["calendar_feed"]
    inlines = [WorkingHoursInline, TimeOffInline]
    fieldsets = [
        (None, {"fields": ["user", "display_name", "max_depth_mm", "position", "active"]}),
        ("Services performed", {"fields": ["services"]}),
        ("Calendar", {"fields": ["calendar_feed"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Practitioner]:
        return super().get_queryset(request).select_related("user").annotate(n_services=Count("services"))

    @admin.display(description="services", ordering="n_services")
    def service_count(self, obj: Practitioner) -> int:
        return obj.n_services

    @admin.display(description="private calendar feed")
    def calendar_feed(self, obj: Practitioner) -> str:
        if not obj.pk:
            return "Available once saved."
        return reverse("scheduling:practitioner_feed", args=[obj.calendar_token])

    def save_model(self, request: HttpRequest, obj: Practitioner, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not obj.user.is_staff:
            # A practitioner needs the staff pages (schedule, check-in, record session).
            type(obj.user).objects.filter(pk=obj.user_id).update(is_staff=True)
            self.message_user(request, f"{obj.user} can now use the staff pages.", messages.INFO)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    date_hierarchy = "start"

    def save_model(self, request: HttpRequest, obj: TimeOff, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        clashes = list(appointments_during(practitioner=obj.practitioner, start=obj.start, end=obj.end))
        if clashes:
            self.message_user(
                request,
                f"{len(clashes)} booked appointment(s) of {obj.practitioner} fall in this time off: move them.",
                messages.WARNING,
            )


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "reason"]
    date_hierarchy = "start_date"


def _appointment_action(
    service: Callable[..., Appointment], done: str
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Appointment]], None]:
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        ok = 0
        for appointment in queryset.select_related("client"):
            try:
                service(appointment=appointment, by=request.user)
            except SchedulingError as error:
                modeladmin.message_user(request, f"{appointment}: {error.message}", messages.ERROR)
            else:
                ok += 1
        if ok:
            modeladmin.message_user(request, done % {"count": ok}, messages.SUCCESS)

    return action


@admin.register(Appointment)
class AppointmentAdmin(HistoryAdmin):
    list_display = ["start", "client", "practitioner", "room", "service", "session_number", "status", "flagged"]
    list_filter = [
        "status",
        "practitioner",
        "room",
        "service",
        "late_cancellation",
        ("plan", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["client", "practitioner", "room", "service"]
    search_fields = ["client__email", "client__first_name", "client__last_name"]
    date_hierarchy = "start"
    raw_id_fields = ["client", "plan", "booked_by", "cancelled_by"]
    readonly_fields = [
        "client",
        "practitioner",
        "room",
        "service",
        "plan",
        "session_number",
        "start",
        "end",
        "blocked_until",
        "status",
        "booked_by",
        "created_at",
        "checked_in_at",
        "completed_at",
        "cancelled_at",
        "cancelled_by",
        "late_cancellation",
        "window_override_reason",
        "spacing_override_reason",
        "staff_page",
    ]
    fields = [*readonly_fields[:-1], "staff_flag", "notes", "staff_page"]
    actions = ["check_in", "mark_no_show", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New bookings go through the booking service (staff "Book for a client" page).
        return False

    @admin.display(boolean=True, description="flag")
    def flagged(self, obj: Appointment) -> bool:
        return bool(obj.staff_flag)

    @admin.display(description="staff page")
    def staff_page(self, obj: Appointment) -> str:
        url = reverse("scheduling:staff_appointment", args=[obj.pk])
        return format_html('<a href="{}">Open on the staff pages (reschedule, check in, …)</a>', url)

    check_in = admin.action(description="Check in the selected clients")(
        _appointment_action(check_in_appointment, "%(count)s client(s) checked in.")
    )
    mark_no_show = admin.action(description="Record no-shows")(
        _appointment_action(mark_no_show, "%(count)s no-show(s) recorded; reminders withdrawn.")
    )
    cancel = admin.action(description="Cancel the selected appointments")(
        _appointment_action(cancel_appointment, "%(count)s appointment(s) cancelled (late ones recorded).")
    )


@admin.register(BookingPolicy)
class BookingPolicyAdmin(HistoryAdmin):
    """One row: the owner's booking limits (``BookingPolicy.current()`` creates it with defaults)."""

    list_display = ["__str__", "extra_bookings"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The role's permission first: without it any staff account could add the policy.
        return super().has_add_permission(request) and not BookingPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: BookingPolicy | None = None) -> bool:
        return False


class PlanSessionInline(admin.TabularInline):
    """Read-only: a session is recorded only through ``recording.record_session`` (the staff page
    or the API), which checks every depth rule; the admin cannot write around it."""

    model = PlanSession
    extra = 0
    fields = ["number", "appointment", "depth_used_mm", "depth_override_reason", "reaction", "completed_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PlanSession)
class PlanSessionAdmin(admin.ModelAdmin):
    """Session records, read-only (plan sessions and needling without a plan)."""

    list_display = ["completed_at", "appointment", "plan", "number", "depth_used_mm", "reaction", "recorded_by"]
    list_filter = ["reaction"]
    list_select_related = ["appointment", "plan", "recorded_by"]
    date_hierarchy = "completed_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DayOfCheck)
class DayOfCheckAdmin(admin.ModelAdmin):
    list_display = ["answered_at", "appointment", "source", "summary"]
    list_filter = ["source"]
    list_select_related = ["appointment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Alerts are opened by the services; they are released on the staff pages (with a note)."""

    list_display = ["created_at", "kind", "client", "practitioner", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["client", "practitioner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AdverseEvent)
class AdverseEventAdmin(HistoryAdmin):
    """Recorded through ``reactions.record_adverse_event`` (staff client page): it alerts and holds."""

    list_display = ["onset", "kind", "severity", "client", "recorded_by"]
    list_filter = ["kind", "severity"]
    list_select_related = ["client", "recorded_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(HistoryAdmin):
    list_display = ["client", "concern", "area", "status", "sessions_planned", "created_at"]
    list_filter = ["status", "concern"]
    list_select_related = ["client", "concern", "area"]
    raw_id_fields = ["client", "created_by"]
    inlines = [PlanSessionInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["due_at", "client", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["client"]
    search_fields = ["client__email", "subject", "dedupe_key"]
    date_hierarchy = "due_at"
    raw_id_fields = ["client", "appointment", "plan"]
    readonly_fields = ["status", "attempts", "claimed_at", "sent_at", "last_error", "dedupe_key", "created_at"]
    actions = ["resend_failed"]

    @admin.action(description="Resend the selected failed messages")
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        resent = skipped = 0
        for notification in queryset:
            try:
                resend_notification(notification=notification, by=request.user)
            except SchedulingError:
                skipped += 1
            else:
                resent += 1
        if resent:
            self.message_user(request, f"{resent} message(s) queued to send again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} message(s) skipped: only failed messages can be resent.", messages.WARNING
            )
