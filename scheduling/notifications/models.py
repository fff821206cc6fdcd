"""The outbox's rows: one message to send, written in the transaction of the change that causes
it (``scheduling.notifications.outbox``) and sent by ``dispatch``. Imported by ``scheduling.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to send: an outbox row written in the transaction of what causes it."""

    class Kind(models.TextChoices):
        BOOKING_CONFIRMATION = "booking_confirmation", _("Booking confirmation")
        REMINDER = "reminder", _("Reminder")
        PRE_CARE = "pre_care", _("Pre-care")
        AFTERCARE = "aftercare", _("Aftercare")
        RESULTS_CHECK = "results_check", _("Results check")
        TIP = "tip", _("Tip")
        REBOOK_PROMPT = "rebook_prompt", _("Time to book your next session")
        WINDOW_CLOSING = "window_closing", _("Your booking window is closing")
        CANCELLATION = "cancellation", _("Cancellation")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        STAFF_FLAG = "staff_flag", _("Flag for the client")
        STAFF_ALERT = "staff_alert", _("Alert for staff")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Withdrawn")
        FAILED = "failed", _("Failed")

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # At most one message per (thing, kind, occasion): e.g. "appt:42:reminder:48h".
    dedupe_key = models.CharField(max_length=150, unique=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    plan = models.ForeignKey(
        "scheduling.TreatmentPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at"]
        indexes = [
            # The sweeper's claim: due pending rows, oldest first.
            models.Index(fields=["status", "due_at"], name="notification_due"),
            models.Index(fields=["client", "-due_at"], name="notification_client"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.client} at {self.due_at:%Y-%m-%d %H:%M}"
