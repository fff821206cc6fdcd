"""Admin helpers shared by the apps' admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse


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
