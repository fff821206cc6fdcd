"""Scheduling's part of a client's data export and erasure (registered in ``SchedulingConfig.ready``).

Erasure keeps appointments, plans and session records for the spa's books, anonymised: the
client row itself is anonymised by ``clients.privacy``; here free-text notes, photos, ratings
comments and message bodies go, pending messages are withdrawn and future bookings cancelled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients.models import User
from clients.privacy import register_eraser, register_export_section
from scheduling.models import (
    AdverseEvent,
    Alert,
    Appointment,
    DayOfCheck,
    Notification,
    PlanSession,
    SessionPhoto,
    TreatmentPlan,
)
from scheduling.resources.signals import schedule_written_in_bulk

#: A photo link in her export works without a login for this long, then says "expired".
PHOTO_LINK_SECONDS = 7 * 24 * 3600
_PHOTO_LINK_SALT = "scheduling.photo-export"


def photo_export_url(photo: SessionPhoto) -> str:
    """An absolute link to the photo that expires after ``PHOTO_LINK_SECONDS`` (signed)."""
    token = signing.dumps(photo.pk, salt=_PHOTO_LINK_SALT)
    return settings.SITE_URL + reverse("scheduling:exported_photo", args=[token])


def photo_from_export_token(token: str) -> int | None:
    """The photo id of a link still valid, or None (tampered or expired)."""
    try:
        return int(signing.loads(token, salt=_PHOTO_LINK_SALT, max_age=PHOTO_LINK_SECONDS))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _mm(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def export_appointments(user: User) -> list[dict[str, Any]]:
    rows = Appointment.objects.filter(client=user).select_related("service", "practitioner", "room").order_by("start")
    return [
        {
            "id": row.pk,
            "service": row.service.name,
            "start": _iso(row.start),
            "end": _iso(row.end),
            "status": row.status,
            "practitioner": row.practitioner.display_name,
            "room": row.room.name,
            "plan": row.plan_id,
            "session_number": row.session_number,
            "late_cancellation": row.late_cancellation,
            "cancelled_at": _iso(row.cancelled_at),
            "notes": row.notes,
        }
        for row in rows
    ]


def export_plans(user: User) -> list[dict[str, Any]]:
    plans = (
        TreatmentPlan.objects.filter(client=user)
        .select_related("concern", "area", "service")
        .prefetch_related("sessions__areas", "sessions__products", "sessions__photos")
        .order_by("created_at")
    )
    return [
        {
            "id": plan.pk,
            "concern": plan.concern.slug,
            "area": plan.area.slug,
            "service": plan.service.slug,
            "depth_mm": {"min": _mm(plan.depth_min_mm), "max": _mm(plan.depth_max_mm)},
            "sessions_planned": plan.sessions_planned,
            "sessions_max": plan.sessions_max,
            "interval_weeks": {"min": plan.interval_min_weeks, "max": plan.interval_max_weeks},
            "status": plan.status,
            "created_at": _iso(plan.created_at),
            "notes": plan.notes,
            "sessions": [
                {
                    "number": session.number,
                    "appointment": session.appointment_id,
                    "depth_used_mm": _mm(session.depth_used_mm),
                    "areas": [area.slug for area in session.areas.all()],
                    "products": [product.slug for product in session.products.all()],
                    "reaction": session.reaction,
                    "notes": session.notes,
                    "completed_at": _iso(session.completed_at),
                    "results_rating": session.results_rating,
                    "results_comment": session.results_comment,
                    "photos": [
                        {"kind": photo.kind, "uploaded_at": _iso(photo.uploaded_at), "url": photo_export_url(photo)}
                        for photo in session.photos.all()
                    ],
                }
                for session in plan.sessions.all()
            ],
        }
        for plan in plans
    ]


def export_care(user: User) -> dict[str, list[dict[str, Any]]]:
    """Needling without a plan, adverse events and the alerts about her (the point of care)."""
    visits = (
        PlanSession.objects.filter(plan__isnull=True, appointment__client=user)
        .prefetch_related("areas", "products")
        .order_by("completed_at")
    )
    return {
        "sessions_without_plan": [
            {
                "appointment": record.appointment_id,
                "depth_used_mm": _mm(record.depth_used_mm),
                "areas": [area.slug for area in record.areas.all()],
                "products": [product.slug for product in record.products.all()],
                "reaction": record.reaction,
                "notes": record.notes,
                "completed_at": _iso(record.completed_at),
            }
            for record in visits
        ],
        "adverse_events": [
            {
                "kind": event.kind,
                "onset": _iso(event.onset),
                "severity": event.severity,
                "action": event.action,
                "outcome": event.outcome,
                "session": event.session_id,
                "recorded_at": _iso(event.recorded_at),
            }
            for event in AdverseEvent.objects.filter(client=user).order_by("onset", "pk")
        ],
        "alerts": [
            {"kind": alert.kind, "text": alert.text, "created_at": _iso(alert.created_at)}
            for alert in Alert.objects.filter(client=user).order_by("created_at", "pk")
        ],
    }


def export_notifications(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.kind,
            "channel": row.channel,
            "due_at": _iso(row.due_at),
            "sent_at": _iso(row.sent_at),
            "status": row.status,
            "subject": row.subject,
            "body": row.body_text,
        }
        for row in Notification.objects.filter(client=user).order_by("due_at")
    ]


def erase_scheduling_data(user: User) -> None:
    """Runs inside ``clients.privacy.erase_client``'s transaction."""
    Notification.objects.filter(client=user, status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED
    )
    # Messages kept as a record that something was sent, without their personal content.
    Notification.objects.filter(client=user).update(subject="(erased)", body_text="", body_html="", last_error="")
    # Her future bookings are cancelled, so the practitioner and the room are free again.
    now = timezone.now()
    Appointment.objects.filter(client=user, status=Appointment.Status.BOOKED, start__gt=now).update(
        status=Appointment.Status.CANCELLED, cancelled_at=now, cancelled_by=user
    )
    schedule_written_in_bulk(Appointment)  # an update() sends no post_save: free times changed
    Appointment.objects.filter(client=user).update(notes="", staff_flag="", window_override_reason="")
    Appointment.history.filter(client_id=user.pk).update(notes="", staff_flag="", window_override_reason="")
    plans = TreatmentPlan.objects.filter(client=user)
    plans.update(notes="", ended_reason="")
    TreatmentPlan.history.filter(client_id=user.pk).update(notes="", ended_reason="")
    sessions = PlanSession.objects.filter(Q(plan__client=user) | Q(plan__isnull=True, appointment__client=user))
    sessions.update(notes="", results_comment="", depth_override_reason="")
    # Adverse events stay as clinical records without her words; alerts lose their text.
    AdverseEvent.objects.filter(client=user).update(action="", outcome="")
    AdverseEvent.history.filter(client_id=user.pk).update(action="", outcome="")
    Alert.objects.filter(client=user).update(text="(erased)", resolution_note="")
    DayOfCheck.objects.filter(appointment__client=user).update(summary="")
    PlanSession.history.filter(plan_id__in=plans.values("pk")).update(
        notes="", results_comment="", depth_override_reason=""
    )
    photos = SessionPhoto.objects.filter(session__plan__client=user)
    names = [photo.image.name for photo in photos if photo.image]
    photos.delete()
    transaction.on_commit(lambda: _delete_files(names), robust=True)


def _delete_files(names: list[str]) -> None:
    for name in names:
        # Best effort after commit: the rows are gone either way.
        try:
            default_storage.delete(name)
        except OSError:
            continue


def register() -> None:
    register_export_section("appointments", export_appointments)
    register_export_section("plans", export_plans)
    register_export_section("notifications", export_notifications)
    register_export_section("care", export_care)
    register_eraser(erase_scheduling_data)
