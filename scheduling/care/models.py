"""Point-of-care records: the day-of answers asked before a session, the alerts a reaction or a
client's report opens for staff, and adverse events. Rules in ``scheduling.care.checkin`` and
``scheduling.care.reactions``; imported by ``scheduling.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Related models by name: ``scheduling.models`` imports this module (no import circle).
APPOINTMENT, PLAN_SESSION = "scheduling.Appointment", "scheduling.PlanSession"
PRACTITIONER, TREATMENT_PLAN = "scheduling.Practitioner", "scheduling.TreatmentPlan"


class DayOfCheck(models.Model):
    """The day-of questions for one appointment, answered by her in the pre-visit check or asked
    by staff at the desk. Check-in needs one, all "no" (a "yes" also becomes an intake answer,
    so screening and online booking see it)."""

    class Source(models.TextChoices):
        PRE_VISIT = "pre_visit", _("Pre-visit check (client)")
        DESK = "desk", _("Asked at the desk")

    appointment = models.ForeignKey(APPOINTMENT, on_delete=models.CASCADE, related_name="day_of_checks")
    source = models.CharField(max_length=10, choices=Source.choices)
    pregnant_or_breastfeeding = models.BooleanField()
    infection_in_area = models.BooleanField(help_text=_("Infection, cold sore or open wound in the area."))
    new_medicines = models.BooleanField(help_text=_("New isotretinoin or blood thinners."))
    sunburn = models.BooleanField()
    procedures_since_last_visit = models.BooleanField(help_text=_("Botox, fillers, a peel or laser."))
    answered_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["appointment", "-answered_at"], name="day_of_check_latest")]

    def __str__(self) -> str:
        return f"Day-of answers for appointment {self.appointment_id} ({self.get_source_display()})"

    @property
    def any_yes(self) -> bool:
        return any(
            (
                self.pregnant_or_breastfeeding,
                self.infection_in_area,
                self.new_medicines,
                self.sunburn,
                self.procedures_since_last_visit,
            )
        )


class AdverseEvent(models.Model):
    """Something that went wrong after a needling session (DOMAIN.md "Adverse events")."""

    class Kind(models.TextChoices):
        INFECTION = "infection", _("Infection")
        PROLONGED_ERYTHEMA = "prolonged_erythema", _("Prolonged redness (> 72 h)")
        COLD_SORE = "cold_sore", _("Cold-sore flare")
        PIGMENTATION = "pigmentation", _("Post-inflammatory hyperpigmentation")
        ALLERGY = "allergy", _("Allergic or granulomatous reaction")
        TRAM_TRACKS = "tram_tracks", _("Tram-track marks")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adverse_events")
    session = models.ForeignKey(
        PLAN_SESSION, on_delete=models.SET_NULL, null=True, blank=True, related_name="adverse_events"
    )
    plan = models.ForeignKey(
        TREATMENT_PLAN, on_delete=models.SET_NULL, null=True, blank=True, related_name="adverse_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    onset = models.DateField(help_text=_("When it started."))
    severity = models.CharField(max_length=10, choices=Severity.choices)
    action = models.TextField(help_text=_("What was done (advice, referral to a doctor, treatment)."))
    outcome = models.TextField(blank=True, help_text=_("How it ended, or 'ongoing'."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-onset", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display().lower()}) for {self.client}"


class Alert(models.Model):
    """Something staff must act on at once: a strong reaction, an adverse event, or her report of
    a problem. Shown on the owner's dashboard until resolved; emailed to the owner and the
    practitioner through the outbox."""

    class Kind(models.TextChoices):
        STRONG_REACTION = "strong_reaction", _("Strong reaction")
        ADVERSE_EVENT = "adverse_event", _("Adverse event")
        CLIENT_REPORT = "client_report", _("Client reports a problem")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    plan = models.ForeignKey(TREATMENT_PLAN, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    session = models.ForeignKey(PLAN_SESSION, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    practitioner = models.ForeignKey(
        PRACTITIONER, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    adverse_event = models.OneToOneField(
        AdverseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="alert"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The dashboard lists open alerts.
        indexes = [models.Index(fields=["resolved_at", "-created_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.client}"
