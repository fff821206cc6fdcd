"""The notification outbox: rows written in the transaction of the change that causes them.

Booking, rescheduling, cancelling and recording a session call the ``appointment_*`` /
``session_*`` functions below inside their transaction; a beat task sends due rows.
"""

from __future__ import annotations

from django.utils import timezone

from scheduling.models import Appointment, Notification, PlanSession


def _key(appointment: Appointment, kind: str) -> str:
    return f"appt:{appointment.pk}:{kind}"


def appointment_booked(*, appointment: Appointment) -> None:
    """Queue the confirmation (and, once reminders exist, the reminders) of a new booking."""
    Notification.objects.get_or_create(
        dedupe_key=_key(appointment, "booking_confirmation"),
        defaults={
            "client": appointment.client,
            "kind": Notification.Kind.BOOKING_CONFIRMATION,
            "due_at": timezone.now(),
            "appointment": appointment,
            "plan": appointment.plan,
            "subject": f"Your {appointment.service.name} is booked",
            "body_text": f"See you on {timezone.localtime(appointment.start):%A %-d %B at %H:%M}.",
        },
    )


def appointment_rescheduled(*, appointment: Appointment, previous_start) -> None:  # noqa: ANN001
    """Move the pending rows of a rescheduled appointment."""


def appointment_cancelled(*, appointment: Appointment) -> None:
    """Withdraw pending rows of a cancelled appointment and queue the cancellation notice."""
    Notification.objects.filter(appointment=appointment, status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED
    )


def appointment_no_show(*, appointment: Appointment) -> None:
    """Withdraw the pending reminders of a no-show (no notice to the client)."""


def appointment_flagged(*, appointment: Appointment) -> None:
    """Tell the client that a booked session is now outside its plan window (staff see the flag)."""


def session_completed(*, session: PlanSession) -> None:
    """Queue the aftercare timeline, results check, tips and the next rebooking prompts."""
