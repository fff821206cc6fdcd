"""Admin helpers shared by the apps' admins.

``HistoryAdmin``: the history pages are to read what changed and who changed it, never to
write. django-simple-history's version page saves its form on POST ("Revert"), checking only
the view permission, and it saves the whole old instance, read-only fields included: through it
an appointment could go back to an old time without the booking rules, or a read-only record
(adverse events) be rewritten. Its setting ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the
button. Every history admin here uses ``HistoryAdmin``: the version page answers GET only; a
change goes through the change form, its validation and the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin


class SavedValueBreadcrumbMixin(admin.ModelAdmin):
    """After a refused save, the breadcrumb and title name the object as it is saved, not as
    the rejected form left it (a ModelForm copies the typed values onto the instance before it
    validates them, and Django's change form shows that instance)."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        *,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if change and obj is not None and obj.pk and request.method == "POST":
            saved = type(obj)._default_manager.filter(pk=obj.pk).first()
            if saved is not None:
                context["original"] = saved
                context["subtitle"] = str(saved)  # the tab title names it too
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class HistoryAdmin(SimpleHistoryAdmin):
    """History with django-simple-history, read-only (module docstring)."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)
