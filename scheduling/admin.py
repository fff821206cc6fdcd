from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from scheduling.models import (
    Appointment,
    Closure,
    Notification,
    PlanSession,
    Practitioner,
    Room,
    TimeOff,
    TreatmentPlan,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "user", "max_depth_mm", "active"]
    filter_horizontal = ["services"]
    inlines = [WorkingHoursInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "reason"]


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    list_display = ["start", "client", "practitioner", "room", "service", "status"]
    list_filter = ["status", "practitioner", "room"]
    list_select_related = ["client", "practitioner", "room", "service"]
    date_hierarchy = "start"
    raw_id_fields = ["client", "plan", "booked_by", "cancelled_by"]


class PlanSessionInline(admin.TabularInline):
    model = PlanSession
    extra = 0
    raw_id_fields = ["appointment"]


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(SimpleHistoryAdmin):
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
    raw_id_fields = ["client", "appointment", "plan"]
