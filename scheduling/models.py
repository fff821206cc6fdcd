"""Time: practitioners, rooms, working hours, appointments, treatment plans, the outbox."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spa.lib.uploads import stored_name
from treatments.models import DEPTH_CEILING, DEPTH_FLOOR, Concern, Product, Service, TreatmentArea


class Practitioner(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner")
    display_name = models.CharField(max_length=100)
    max_depth_mm = models.DecimalField(
        _("maximum needle depth (mm)"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(DEPTH_CEILING)],
        help_text=_("The deepest this practitioner may needle (training, local law)."),
    )
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    # Secret of the private calendar subscription feed.
    calendar_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "display_name"]
        constraints = [
            models.CheckConstraint(
                name="practitioner_depth_within_ceiling",
                condition=Q(max_depth_mm__gte=0, max_depth_mm__lte=DEPTH_CEILING),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Room(models.Model):
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One working interval of a practitioner on a weekday, in the spa's local time.

    Several rows per weekday make a day with breaks (09:00–13:00 and 14:00–18:00).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                name="working_hours_start_before_end",
                condition=Q(start_time__lt=F("end_time")),
                violation_error_message=_("A working interval must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(models.Model):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                name="time_off_start_before_end",
                condition=Q(start__lt=F("end")),
                violation_error_message=_("Time off must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["end", "start"], name="time_off_range")]

    def __str__(self) -> str:
        return f"{self.practitioner} off {self.start:%Y-%m-%d %H:%M}"


class Closure(models.Model):
    """The whole spa is closed on these local dates (both included)."""

    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                name="closure_dates_ordered",
                condition=Q(start_date__lte=F("end_date")),
                violation_error_message=_("A closure must end on or after its first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"Closed {self.start_date}–{self.end_date}: {self.reason}"


class TreatmentPlan(models.Model):
    """A course of sessions, with the rule it was created under copied in (rules change,
    plans keep their word)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans")
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="plans")
    area = models.ForeignKey(TreatmentArea, on_delete=models.PROTECT, related_name="plans")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="plans")
    depth_min_mm = models.DecimalField(max_digits=3, decimal_places=2)
    depth_max_mm = models.DecimalField(max_digits=3, decimal_places=2)
    sessions_planned = models.PositiveSmallIntegerField(help_text=_("Initial sessions; staff may extend."))
    sessions_max = models.PositiveSmallIntegerField()
    interval_min_weeks = models.PositiveSmallIntegerField()
    interval_max_weeks = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="plans_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_reason = models.CharField(max_length=300, blank=True)
    # On hold after a strong reaction, an adverse event or her report of a problem; a
    # practitioner releases it with a note (scheduling/reactions.py).
    hold_reason = models.CharField(max_length=300, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="plan_depth_within_bounds",
                condition=Q(depth_min_mm__gte=DEPTH_FLOOR, depth_max_mm__lte=DEPTH_CEILING)
                & Q(depth_min_mm__lte=F("depth_max_mm")),
            ),
            models.CheckConstraint(
                name="plan_sessions_within_max",
                condition=Q(sessions_planned__gte=1, sessions_planned__lte=F("sessions_max")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern} on {self.area} for {self.client}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    # Statuses that hold the practitioner and the room (the exclusion constraints' condition).
    ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED)

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(help_text=_("End of the session for the client."))
    # End of the service's buffer: what the practitioner and the room are held until.
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="appointments_booked"
    )
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late_cancellation = models.BooleanField(default=False)
    window_override_reason = models.CharField(
        max_length=300, blank=True, help_text=_("Why staff booked this plan session outside its window.")
    )
    spacing_override_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Why staff booked this needling closer to another of the same area than the rule allows."),
    )
    staff_flag = models.CharField(
        max_length=300, blank=True, help_text=_("Something staff must look at (moved window, pre-visit answer).")
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=["blocked_until"])

    class Meta:
        ordering = ["start"]
        # The staff roles (spa.lib.roles): what a front desk, a practitioner and the owner may do.
        permissions = [
            ("view_all_schedules", "Can see and manage every practitioner's schedule, hours and time off"),
            ("book_for_clients", "Can book, move and cancel appointments for clients"),
            ("check_in", "Can check clients in and record no-shows"),
            ("record_session", "Can record sessions on their own appointments"),
            ("view_dashboard", "Can see the owner's dashboard"),
        ]
        constraints = [
            models.CheckConstraint(
                name="appointment_times_ordered",
                condition=Q(start__lt=F("end"), end__lte=F("blocked_until")),
            ),
            # One appointment per plan session that is still on (a cancelled one frees it).
            models.UniqueConstraint(
                fields=["plan", "session_number"],
                condition=Q(status__in=["booked", "checked_in", "completed"]),
                name="appointment_one_active_per_plan_session",
            ),
        ]
        # No double booking: on PostgreSQL exclusion constraints for active statuses, on the
        # practitioner and the room over tstzrange(start, blocked_until, '[)') (migration
        # 0002_no_double_booking) and on the client over tstzrange(start, "end", '[)') (0004).
        # They are not declared here because SQLite has no equivalent.
        indexes = [
            # Availability reads appointments overlapping a range for all practitioners.
            models.Index(fields=["blocked_until", "start"], name="appointment_range"),
            models.Index(fields=["client", "start"], name="appointment_client_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service} for {self.client} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class BookingPolicy(models.Model):
    """The spa's booking limits, edited by the owner in the admin (one row)."""

    extra_bookings = models.PositiveSmallIntegerField(
        _("upcoming appointments beyond her plans"),
        default=3,
        validators=[MaxValueValidator(50)],
        help_text=_(
            "How many upcoming appointments a client may hold online beyond the sessions left in her "
            "active plans. Staff are not limited."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policy")
        constraints = [models.CheckConstraint(name="booking_policy_single_row", condition=Q(pk=1))]

    def __str__(self) -> str:
        return str(_("Booking policy"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> BookingPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class IdempotencyKey(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key`` (or a booking form's token).

    A repeat from the same user with the same key gets this answer back and nothing is done
    twice. ``status_code`` is null while the first request is still running.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=200, help_text=_("Method and path of the first request."))
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the first request's body."))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class PlanSession(models.Model):
    """What happened in one needling session, recorded by the practitioner: a session of a plan,
    or a needling appointment booked without a plan (``plan`` empty, ``appointment`` set)."""

    class Reaction(models.TextChoices):
        NONE = "none", _("None beyond the expected redness")
        MILD = "mild", _("Mild: redness, slight swelling")
        MODERATE = "moderate", _("Moderate: pinpoint bleeding, swelling")
        STRONG = "strong", _("Strong: stop or reduce depth next time")

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions")
    number = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Session number in the plan."))
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="session_record"
    )
    depth_used_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(DEPTH_FLOOR), MaxValueValidator(DEPTH_CEILING)],
    )
    depth_override_reason = models.CharField(max_length=300, blank=True)
    areas = models.ManyToManyField(TreatmentArea, related_name="+")
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    reaction = models.CharField(max_length=10, choices=Reaction.choices, default=Reaction.MILD)
    notes = models.TextField(blank=True)
    # After a strong reaction, an adverse event or her report of a problem: the next suggested
    # depth is at most this (the depth used minus 0.25 mm), never higher.
    next_depth_cap_mm = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    completed_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    results_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    results_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[areas, products])

    class Meta:
        ordering = ["plan", "number", "completed_at"]
        verbose_name = _("session record")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_session_one_per_number"),
            # A record belongs to a plan (numbered) or, without a plan, to its appointment.
            models.CheckConstraint(
                name="plan_session_plan_or_appointment",
                condition=Q(plan__isnull=False, number__isnull=False) | Q(plan__isnull=True, appointment__isnull=False),
            ),
            # Never deeper than 2.0 mm, whatever the reason given.
            models.CheckConstraint(
                name="plan_session_depth_within_ceiling",
                condition=Q(depth_used_mm__gte=DEPTH_FLOOR, depth_used_mm__lte=DEPTH_CEILING),
            ),
        ]

    def __str__(self) -> str:
        if self.plan_id is None:
            return f"Session record of appointment {self.appointment_id}"
        return f"Session {self.number} of {self.plan}"


def photo_upload_to(instance: SessionPhoto, filename: str) -> str:
    # The name is the server's (spa.lib.uploads): never the uploader's name or extension.
    return stored_name(f"photos/{instance.session.plan_id or 'visits'}", filename)


class SessionPhoto(models.Model):
    """Before/after photo; stored under MEDIA_ROOT, never served publicly (a view checks access)."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before")
        AFTER = "after", _("After")

    session = models.ForeignKey(PlanSession, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    image = models.FileField(upload_to=photo_upload_to)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} photo, {self.session}"


# The point-of-care records (day-of answers, alerts, adverse events) and the outbox's rows live
# with their rooms (scheduling.care, scheduling.notifications); imported here so Django
# registers them with the app and ``scheduling.models`` names every model.
from scheduling.care.models import AdverseEvent, Alert, DayOfCheck  # noqa: E402
from scheduling.notifications.models import Notification  # noqa: E402

__all__ = [
    "AdverseEvent",
    "Alert",
    "Appointment",
    "Closure",
    "DayOfCheck",
    "Notification",
    "PlanSession",
    "Practitioner",
    "Room",
    "SessionPhoto",
    "TimeOff",
    "TreatmentPlan",
    "WorkingHours",
]
