"""People: accounts (email login), client profiles, medical intake, consent, doctor's clearance."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spa.lib.uploads import stored_name
from treatments.models import Contraindication


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a client or a staff member. Email is the login."""

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Practitioners and front desk: the staff pages.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ClientProfile(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message (SMS)")

    class SkinType(models.IntegerChoices):
        I = 1, _("I: always burns, never tans")  # noqa: E741
        II = 2, _("II: usually burns, tans minimally")
        III = 3, _("III: sometimes burns, tans gradually")
        IV = 4, _("IV: burns minimally, tans well")
        V = 5, _("V: rarely burns, tans darkly")
        VI = 6, _("VI: never burns")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_profile")
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("International format, e.g. +447700900123.")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    skin_type = models.PositiveSmallIntegerField(
        _("Fitzpatrick skin type"), choices=SkinType.choices, null=True, blank=True
    )
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    marketing_opt_in = models.BooleanField(
        _("tips and offers"), default=False, help_text=_("Tips between sessions and offers. Reminders need no opt-in.")
    )
    # Private calendar/links token (manage links in emails); rotated on erasure.
    access_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        # The staff roles (spa.lib.roles): client records and clearances belong to the front desk.
        permissions = [
            ("view_client_record", "Can see client records, their messages and letters"),
            ("grant_clearance", "Can record doctor's clearances"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class IntakeSubmission(models.Model):
    """One answered questionnaire. Kept as history: a new intake never overwrites the last."""

    class Source(models.TextChoices):
        INTAKE = "intake", _("Full intake")
        PRE_VISIT = "pre_visit", _("Pre-visit check")
        STAFF = "staff", _("Entered by staff")

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intakes")
    submitted_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTAKE)
    # The questionnaire version: a hash of the active questions at the time.
    questionnaire_version = models.CharField(max_length=40)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["client", "-submitted_at"], name="intake_latest_per_client")]

    def __str__(self) -> str:
        return f"Intake of {self.client} on {self.submitted_at:%Y-%m-%d}"


class IntakeAnswer(models.Model):
    submission = models.ForeignKey(IntakeSubmission, on_delete=models.CASCADE, related_name="answers")
    contraindication = models.ForeignKey(Contraindication, on_delete=models.PROTECT, related_name="answers")
    # Snapshot of what was asked, so history reads right after the admin edits the question.
    question = models.CharField(max_length=255)
    severity = models.CharField(max_length=20, choices=Contraindication.Severity.choices)
    answer = models.BooleanField()
    # For a question that asks a date with its yes (isotretinoin: the last dose): the waiting
    # period counts from this day instead of the day she answered.
    since = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contraindication__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "contraindication"], name="intake_one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.contraindication.slug}: {'yes' if self.answer else 'no'}"


class ConsentText(models.Model):
    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=150, default="Consent to skin needling")
    body = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        get_latest_by = "version"

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class ConsentSignature(models.Model):
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="signatures")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.signed_name} signed v{self.text.version}"


def clearance_upload_to(instance: DoctorClearance, filename: str) -> str:
    # The name is the server's (spa.lib.uploads): never the uploader's name or extension.
    return stored_name(f"clearances/{instance.client_id}", filename)


class DoctorClearance(models.Model):
    """A doctor's clearance recorded by staff; lifts `doctor_clearance` for what it covers."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearances")
    contraindications = models.ManyToManyField(Contraindication, related_name="clearances")
    note = models.TextField()
    cleared_on = models.DateField(default=timezone.localdate)
    # Every clearance ends (default 12 months; for pregnancy and breastfeeding the expected end,
    # required). An answer given after ``recorded_at`` to a condition it covers needs a new one.
    expires_on = models.DateField()
    letter = models.FileField(upload_to=clearance_upload_to, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="clearances_recorded"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Clearance for {self.client} on {self.cleared_on}"


class AuditEntry(models.Model):
    """Who saw or changed what on a client record (staff actions)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="audit_entries"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.what}"
