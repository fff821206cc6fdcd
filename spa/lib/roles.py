"""The staff roles as Django groups: owner, front desk, practitioner (SPEC.md "Who uses it").

- **Owner**: every permission (the admin, the rules, the dashboard). The demo owner is also a
  superuser.
- **Front desk**: every schedule, hours and time off, bookings for clients, check-in, client
  records, doctor's clearances; no session records, no rules.
- **Practitioner**: their own schedule, time off and calendar feed; check-in; session records
  on their own appointments only.

Pages and the API ask for a permission (``staff_required(perm=...)``, ``StaffPermission``),
never for a group name, so a spa may compose its own groups in the admin. The groups here are
created and topped up after every ``migrate`` (``ensure_role_groups``): permissions are only
ever added, so an owner's additions in the admin stay.
"""

from __future__ import annotations

from typing import Any

OWNER = "Owner"
FRONT_DESK = "Front desk"
PRACTITIONER = "Practitioner"
ROLES = (OWNER, FRONT_DESK, PRACTITIONER)

SEE_ALL_SCHEDULES = "scheduling.view_all_schedules"
BOOK_FOR_CLIENTS = "scheduling.book_for_clients"
CHECK_IN = "scheduling.check_in"
RECORD_SESSION = "scheduling.record_session"
VIEW_DASHBOARD = "scheduling.view_dashboard"
VIEW_CLIENT_RECORD = "clients.view_client_record"
GRANT_CLEARANCE = "clients.grant_clearance"

# Each role's permissions as "app_label.codename". No model permissions: the admin (rules,
# services, staff) is the owner's, who gets every permission there is.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    FRONT_DESK: (
        SEE_ALL_SCHEDULES,
        BOOK_FOR_CLIENTS,
        CHECK_IN,
        VIEW_CLIENT_RECORD,
        GRANT_CLEARANCE,
    ),
    PRACTITIONER: (
        CHECK_IN,
        RECORD_SESSION,
    ),
}


def _permissions(names: tuple[str, ...]) -> list[Any]:
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def ensure_role_groups(**_signal_kwargs: object) -> None:
    """Create the three groups and add their permissions (idempotent; never removes one)."""
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.all() if role == OWNER else _permissions(ROLE_PERMISSIONS[role])
        group.permissions.add(*wanted)


def assign_role(user: Any, role: str) -> None:
    """Put a staff account in a role's group (creating the groups if need be)."""
    from django.contrib.auth.models import Group

    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; one of {', '.join(ROLES)}.")
    group = Group.objects.filter(name=role).first()
    if group is None:
        ensure_role_groups()
        group = Group.objects.get(name=role)
    user.groups.add(group)
    # Django caches permissions on the user object; a fresh check must see the new group.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
