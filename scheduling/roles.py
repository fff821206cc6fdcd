"""Which appointments and practitioners a staff member's role reaches (spa.lib.roles).

Front desk and the owner (``view_all_schedules``) reach every practitioner; a practitioner only
their own schedule, time off and appointments. Pages and the API call these, so the scope is
written once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from clients.models import User
from scheduling.models import Appointment, Practitioner
from spa.lib.roles import BOOK_FOR_CLIENTS, RECORD_SESSION, SEE_ALL_SCHEDULES


def sees_all_schedules(user: User) -> bool:
    return user.has_perm(SEE_ALL_SCHEDULES)


def own_practitioner(user: User) -> Practitioner | None:
    return Practitioner.objects.filter(user_id=user.pk).first()


def schedule_practitioner(user: User, requested: Practitioner | None) -> Practitioner | None:
    """The practitioner whose schedule to show: any (or all, ``None``) for those who see every
    schedule; otherwise always the user's own; 403 for staff who are neither."""
    if sees_all_schedules(user):
        return requested
    mine = own_practitioner(user)
    if mine is None:
        raise PermissionDenied("Your role shows only your own schedule, and you have none.")
    return mine


def check_appointment_scope(user: User, appointment: Appointment) -> None:
    """403 unless the user sees every schedule or the appointment is theirs."""
    if sees_all_schedules(user):
        return
    if appointment.practitioner_id is None or appointment.practitioner.user_id != user.pk:
        raise PermissionDenied("Only the practitioner's own appointments.")


def check_books_for_clients(user: User) -> None:
    """Staff book for a client, or change her booking (cancel, reschedule, a plan's whole
    course), only with the front desk's ``book_for_clients``, on the API as on the staff pages;
    clients act on their own."""
    if user.is_staff and not user.has_perm(BOOK_FOR_CLIENTS):
        raise PermissionDenied("Only the front desk changes bookings for clients.")


def check_may_record(user: User, appointment: Appointment) -> None:
    """Session records: the ``record_session`` permission, on one's own appointment (the owner,
    holding every permission, on any)."""
    if not user.has_perm(RECORD_SESSION):
        raise PermissionDenied("Your role does not record sessions.")
    if user.is_superuser:
        return
    if appointment.practitioner_id is None or appointment.practitioner.user_id != user.pk:
        raise PermissionDenied("Only the practitioner's own appointments.")


def check_time_off_scope(user: User, practitioner: Practitioner) -> None:
    if not sees_all_schedules(user) and practitioner.user_id != user.pk:
        raise PermissionDenied("Only your own time off.")
