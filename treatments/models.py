"""The catalogue and the rules: concerns, areas, depth rules, services, contraindications,
care steps, products and reminder rules. Knows nothing of clients or appointments."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Hard bounds of SPEC.md: 0.25 <= min <= max <= 2.0 mm; above 1.5 mm only for scarring.
DEPTH_FLOOR = Decimal("0.25")
DEPTH_CEILING = Decimal("2.00")
NON_SCARRING_CEILING = Decimal("1.50")


class Concern(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_scarring = models.BooleanField(
        default=False, help_text=_("Scarring concerns may be needled deeper than 1.5 mm.")
    )
    initial_sessions = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    max_sessions = models.PositiveSmallIntegerField(default=4, validators=[MinValueValidator(1)])
    interval_min_weeks = models.PositiveSmallIntegerField(default=4, validators=[MinValueValidator(1)])
    interval_max_weeks = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                name="concern_sessions_ordered",
                condition=Q(initial_sessions__gte=1, max_sessions__gte=F("initial_sessions")),
                violation_error_message=_("Maximum sessions must be at least the initial sessions."),
            ),
            models.CheckConstraint(
                name="concern_interval_ordered",
                condition=Q(interval_min_weeks__gte=1, interval_max_weeks__gte=F("interval_min_weeks")),
                violation_error_message=_("The longest interval must be at least the shortest."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A concern that stops being "scarring" would leave deep rules above the bound.
        if self.pk and not self.is_scarring:
            too_deep = self.depth_rules.filter(max_depth_mm__gt=NON_SCARRING_CEILING)
            if too_deep.exists():
                raise ValidationError(
                    {
                        "is_scarring": _(
                            "Depth rules of this concern go deeper than 1.5 mm; lower them before "
                            "marking it non-scarring."
                        )
                    },
                    code="deep_rules_exist",
                )


class TreatmentArea(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # The deepest any session may needle here, whatever the plan or a reason says (DOMAIN.md
    # "Area ceilings": thin skin over bone takes the shallowest needles).
    max_depth_mm = models.DecimalField(
        _("ceiling (mm)"),
        max_digits=3,
        decimal_places=2,
        default=NON_SCARRING_CEILING,
        validators=[MinValueValidator(DEPTH_FLOOR), MaxValueValidator(DEPTH_CEILING)],
        help_text=_("No reason lifts a recorded depth above this."),
    )
    max_depth_scarring_mm = models.DecimalField(
        _("ceiling for scars (mm)"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(DEPTH_FLOOR), MaxValueValidator(DEPTH_CEILING)],
        help_text=_("A higher ceiling for scarring concerns (e.g. 1.5 on the forehead); empty: the same."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            # The area ceilings stay inside the hard bounds (0.25–2.0 mm) whatever the admin types.
            models.CheckConstraint(
                name="area_ceiling_within_bounds",
                condition=Q(max_depth_mm__gte=DEPTH_FLOOR, max_depth_mm__lte=DEPTH_CEILING)
                & (
                    Q(max_depth_scarring_mm__isnull=True)
                    | Q(max_depth_scarring_mm__gte=DEPTH_FLOOR, max_depth_scarring_mm__lte=DEPTH_CEILING)
                ),
                violation_error_message=_("Area ceilings lie between 0.25 and 2.0 mm."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def on_phrase(self) -> str:
        """ "on the cheeks", but "around the eyes" (never "on the around the eyes")."""
        name = self.name.lower()
        return name if name.split(" ", 1)[0] in ("around", "on", "under", "between") else f"on the {name}"

    def ceiling_for(self, *, scarring: bool) -> Decimal:
        """The deepest allowed here for a scarring concern or not (never above 2.0 mm)."""
        if scarring and self.max_depth_scarring_mm is not None:
            return min(max(self.max_depth_scarring_mm, self.max_depth_mm), DEPTH_CEILING)
        return min(self.max_depth_mm, DEPTH_CEILING)


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    usage = models.TextField(blank=True, help_text=_("When and how the client uses it."))
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DepthRule(models.Model):
    """The needle depth for a concern on an area. No rule: the pair is not offered."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="depth_rules")
    area = models.ForeignKey(TreatmentArea, on_delete=models.CASCADE, related_name="depth_rules")
    min_depth_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(DEPTH_FLOOR), MaxValueValidator(DEPTH_CEILING)],
    )
    max_depth_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(DEPTH_FLOOR), MaxValueValidator(DEPTH_CEILING)],
    )
    # Copied from the concern on save so the database itself can refuse a deep rule for a
    # non-scarring concern (a CheckConstraint cannot look across a foreign key).
    concern_is_scarring = models.BooleanField(default=False, editable=False)
    products = models.ManyToManyField(Product, blank=True, related_name="depth_rules")
    notes = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=["concern_is_scarring"])

    class Meta:
        ordering = ["concern__position", "area__position"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "area"], name="depth_rule_one_per_pair"),
            models.CheckConstraint(
                name="depth_rule_within_bounds",
                condition=Q(min_depth_mm__gte=DEPTH_FLOOR, max_depth_mm__lte=DEPTH_CEILING)
                & Q(min_depth_mm__lte=F("max_depth_mm")),
                violation_error_message=_("Depths must satisfy 0.25 ≤ minimum ≤ maximum ≤ 2.0 mm."),
            ),
            models.CheckConstraint(
                name="depth_rule_deep_only_for_scarring",
                condition=Q(concern_is_scarring=True) | Q(max_depth_mm__lte=NON_SCARRING_CEILING),
                violation_error_message=_("Only scarring concerns may go deeper than 1.5 mm."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern} on {self.area}: {self.min_depth_mm}–{self.max_depth_mm} mm"

    def save(self, *args, **kwargs) -> None:
        self.concern_is_scarring = self.concern.is_scarring
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        both = self.min_depth_mm is not None and self.max_depth_mm is not None
        if both and self.min_depth_mm > self.max_depth_mm:
            errors.setdefault("max_depth_mm", []).append(_("The maximum depth must be at least the minimum depth."))
        too_deep = self.max_depth_mm is not None and self.max_depth_mm > NON_SCARRING_CEILING
        if self.concern_id and too_deep and not self.concern.is_scarring:
            errors.setdefault("max_depth_mm", []).append(
                _("%(concern)s is not a scarring concern: at most 1.5 mm.") % {"concern": self.concern}
            )
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None) -> None:
        # clean() has not copied the flag yet when the admin validates: do it first.
        if self.concern_id:
            self.concern_is_scarring = self.concern.is_scarring
        super().validate_constraints(exclude=exclude)


class Service(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5)])
    buffer_minutes = models.PositiveSmallIntegerField(
        default=15, help_text=_("Cleaning and sterilisation after the session; blocks practitioner and room.")
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    is_needling = models.BooleanField(default=True)
    areas = models.ManyToManyField(TreatmentArea, blank=True, related_name="services")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def blocked_minutes(self) -> int:
        return self.duration_minutes + self.buffer_minutes


class Contraindication(models.Model):
    class Severity(models.TextChoices):
        BLOCKS = "blocks", _("Blocks booking")
        DOCTOR_CLEARANCE = "doctor_clearance", _("Needs a doctor's clearance")
        STAFF_REVIEW = "staff_review", _("Bookable, flagged for staff")
        ADVICE = "advice", _("Advice for the client")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    question = models.CharField(max_length=255, help_text=_("Asked in the intake; yes = the condition applies."))
    severity = models.CharField(max_length=20, choices=Severity.choices)
    waiting_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Booking opens this many days after the intake answer (e.g. 180 for isotretinoin)."),
    )
    advice = models.TextField(blank=True, help_text=_("Shown to the client when the answer is yes."))
    asks_date = models.BooleanField(
        default=False,
        help_text=_("A yes asks for a date (the last dose of isotretinoin); the waiting period counts from it."),
    )
    relax_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Required to switch off a core contraindication or relax it below its floor; kept in the history."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        floor = CORE_FLOORS.get(self.slug)
        if floor is None:
            return
        below = _SEVERITY_RANK.get(self.severity, 0) < _SEVERITY_RANK[floor]
        if (below or not self.active) and len(self.relax_reason.strip()) < MIN_REASON_CHARS:
            # On the changed field: the list page edits ``active`` without the reason field.
            raise ValidationError(
                {
                    "severity" if below else "active": _(
                        "%(name)s is a core contraindication (at least “%(floor)s”, always asked): "
                        "give the reason for this change, it is kept in the history."
                    )
                    % {"name": self.name, "floor": self.Severity(floor).label}
                },
                code="core_contraindication",
            )


# Core contraindications and the least they may be (DOMAIN.md): pregnancy and breastfeeding need
# at least a doctor's clearance; infection in the area and keloid tendency block. Switching one
# off, or relaxing it below this, needs a reason (``relax_reason``, kept in the history).
CORE_FLOORS = {
    "pregnancy": Contraindication.Severity.DOCTOR_CLEARANCE,
    "breastfeeding": Contraindication.Severity.DOCTOR_CLEARANCE,
    "active_infection": Contraindication.Severity.BLOCKS,
    "keloid": Contraindication.Severity.BLOCKS,
}
_SEVERITY_RANK = {"advice": 0, "staff_review": 1, "doctor_clearance": 2, "blocks": 3}
MIN_REASON_CHARS = 15


class CareStep(models.Model):
    """One message of the care timeline, offset in days from the session (negative: before)."""

    class Kind(models.TextChoices):
        PRE_CARE = "pre_care", _("Pre-care")
        AFTERCARE = "aftercare", _("Aftercare")
        RESULTS_CHECK = "results_check", _("Results check")
        TIP = "tip", _("Tip between sessions")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    offset_days = models.SmallIntegerField(help_text=_("Days from the session; negative is before."))
    send_time = models.TimeField(
        null=True, blank=True, help_text=_("Local time of day to send; empty: at the session's time.")
    )
    title = models.CharField(max_length=100)
    body = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["offset_days", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "offset_days"], name="care_step_one_per_kind_and_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.offset_days:+d} d: {self.title}"


class ReminderRule(models.Model):
    """A reminder before each appointment, e.g. 48 hours and 2 hours before."""

    hours_before = models.PositiveSmallIntegerField(unique=True)
    include_pre_visit_check = models.BooleanField(
        default=False, help_text=_("Link the short pre-visit check (new medication, pregnancy, sunburn).")
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-hours_before"]

    def __str__(self) -> str:
        return f"Reminder {self.hours_before} h before"


class MessageTemplate(models.Model):
    """Admin-editable texts of the transactional messages (confirmation, reminder, …)."""

    kind = models.SlugField(unique=True)
    subject = models.CharField(max_length=150)
    body = models.TextField(help_text=_("Plain text; {{ placeholders }} as documented per kind."))
    sms = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind
