"""Access checks shared by every app's pages and API: staff, and a role's permission.

Roles are Django groups (``spa.lib.roles``); pages and endpoints ask for a permission, never for
a group, so the owner can compose groups in the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

View = Callable[..., HttpResponse]


def staff_required(view: View | None = None, *, perm: str | None = None) -> Any:
    """Anonymous: to the login page. Logged in but not staff, or staff without ``perm``: 403.

    ``@staff_required`` or ``@staff_required(perm="scheduling.check_in")``.
    """
    if view is None:
        return lambda inner: staff_required(inner, perm=perm)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Staff only.")
        if perm and not request.user.has_perm(perm):
            raise PermissionDenied("Your role does not include this.")
        return view(request, *args, **kwargs)

    return wrapper


def has_any_perm(user: Any, *perms: str) -> bool:
    return bool(user.is_authenticated and user.is_staff and any(user.has_perm(perm) for perm in perms))


class StaffPermission(BasePermission):
    """DRF: staff with ``perm`` (``StaffPermission.of("scheduling.check_in")``); 403 otherwise."""

    perm: str | None = None
    message = "Your role does not include this."

    @classmethod
    def of(cls, perm: str) -> type[StaffPermission]:
        return type(f"Staff_{perm.replace('.', '_')}", (cls,), {"perm": perm})

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        return self.perm is None or user.has_perm(self.perm)
