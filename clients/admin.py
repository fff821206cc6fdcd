from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import (
    AuditEntry,
    ClientProfile,
    ConsentSignature,
    ConsentText,
    DoctorClearance,
    IntakeAnswer,
    IntakeSubmission,
    User,
)
from spa.lib.admin import HistoryAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ClientProfile)
class ClientProfileAdmin(HistoryAdmin):
    list_display = ["user", "phone", "date_of_birth", "preferred_channel", "marketing_opt_in"]
    search_fields = ["user__email", "user__last_name", "phone"]
    list_select_related = ["user"]


class IntakeAnswerInline(admin.TabularInline):
    model = IntakeAnswer
    extra = 0
    readonly_fields = ["contraindication", "question", "severity", "answer"]
    can_delete = False


@admin.register(IntakeSubmission)
class IntakeSubmissionAdmin(admin.ModelAdmin):
    list_display = ["client", "submitted_at", "source"]
    list_select_related = ["client"]
    inlines = [IntakeAnswerInline]


@admin.register(ConsentText)
class ConsentTextAdmin(HistoryAdmin):
    """A signed version is a record of what clients agreed to: change it by adding a new version
    (clients are then asked to sign again)."""

    list_display = ["version", "title", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.signatures.exists():
            return ["version", "title", "body", "published_at"]
        return super().get_readonly_fields(request, obj)

    def get_changeform_initial_data(self, request):
        latest = ConsentText.objects.order_by("-version").first()
        initial = super().get_changeform_initial_data(request)
        if latest is not None:
            initial.setdefault("version", latest.version + 1)
            initial.setdefault("title", latest.title)
            initial.setdefault("body", latest.body)
        return initial


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(admin.ModelAdmin):
    list_display = ["client", "text", "signed_name", "signed_at", "ip_address"]
    list_select_related = ["client", "text"]


@admin.register(DoctorClearance)
class DoctorClearanceAdmin(admin.ModelAdmin):
    list_display = ["client", "cleared_on", "expires_on", "recorded_by"]
    list_select_related = ["client", "recorded_by"]
    # Plain checkboxes: the two-box widget's ARIA fails axe-core (see treatments/admin.py).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    exclude = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "client", "what"]
    list_filter = ["action"]
    list_select_related = ["actor", "client"]

    # The audit log is written by the code only: nobody adds, edits or deletes an entry by hand.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
