"""The owner edits every rule here; each edit is kept in a history with who and when."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models

from spa.lib.admin import HistoryAdmin, SavedValueBreadcrumbMixin
from treatments.forms import DepthRuleForm
from treatments.models import (
    CareStep,
    Concern,
    Contraindication,
    DepthRule,
    MessageTemplate,
    Product,
    ReminderRule,
    Service,
    TreatmentArea,
)

# A few products and areas: plain checkboxes, which screen readers handle (Django's two-box
# "filter_horizontal" widget carries ARIA that axe-core reports as a serious violation).
CHECKBOXES = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}


class DepthRuleInline(admin.TabularInline):
    model = DepthRule
    form = DepthRuleForm
    extra = 0
    autocomplete_fields = ["area"]
    formfield_overrides = CHECKBOXES


@admin.register(Concern)
class ConcernAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = [
        "name",
        "slug",
        "is_scarring",
        "initial_sessions",
        "max_sessions",
        "interval_min_weeks",
        "interval_max_weeks",
        "active",
    ]
    list_editable = ["active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [DepthRuleInline]


@admin.register(TreatmentArea)
class TreatmentAreaAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DepthRule)
class DepthRuleAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    form = DepthRuleForm
    list_display = ["concern", "area", "min_depth_mm", "max_depth_mm"]
    list_filter = ["concern", "area"]
    list_select_related = ["concern", "area"]
    formfield_overrides = CHECKBOXES


@admin.register(Product)
class ProductAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["name", "slug", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Service)
class ServiceAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "price", "is_needling", "active"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = CHECKBOXES


@admin.register(Contraindication)
class ContraindicationAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["name", "slug", "severity", "waiting_days", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["severity", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CareStep)
class CareStepAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["title", "kind", "offset_days", "send_time", "active"]
    list_filter = ["kind", "active"]


@admin.register(ReminderRule)
class ReminderRuleAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["__str__", "hours_before", "include_pre_visit_check", "active"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SavedValueBreadcrumbMixin, HistoryAdmin):
    list_display = ["kind", "subject"]
