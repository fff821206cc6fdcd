"""The pre-visit check linked from the 48-hour reminder: three questions, "since your last visit".

A yes becomes the matching contraindication answers in a new intake (source ``pre_visit``)
that copies her previous answers with these set, through the one intake service. When the
answers call for attention the appointment gets a ``staff_flag``; when they block treatment
she is told to call the spa. The appointment is never cancelled automatically: staff decide.

A "no" never clears an earlier "yes" (only the full questionnaire does), and all-no creates no
new intake: copying old answers into a new one would restart their waiting periods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clients.models import IntakeSubmission
from clients.screening import Screening, Status, screening_status
from clients.services import submit_intake
from scheduling.errors import SchedulingError
from scheduling.models import Appointment
from treatments.models import Contraindication

#: Answer value → the contraindication slugs a "yes" sets.
PREGNANCY_CHOICES = [
    ("no", "No"),
    ("pregnant", "I am pregnant, or could be"),
    ("breastfeeding", "I am breastfeeding"),
]
MEDICATION_CHOICES = [
    ("no", "No new medication"),
    ("anticoagulants", "Blood thinners (e.g. warfarin, apixaban, daily aspirin)"),
    ("isotretinoin", "Isotretinoin (Roaccutane, Accutane)"),
    ("other", "Another new medication"),
]
SLUGS = {
    "pregnant": "pregnancy",
    "breastfeeding": "breastfeeding",
    "anticoagulants": "anticoagulants",
    "isotretinoin": "isotretinoin",
    "sun": "sunburn",
}


@dataclass(frozen=True)
class PrevisitAnswers:
    pregnancy: str = "no"
    medication: str = "no"
    sunburn: bool = False

    def yes_slugs(self) -> set[str]:
        picked = {self.pregnancy, self.medication} | ({"sun"} if self.sunburn else set())
        return {SLUGS[value] for value in picked if value in SLUGS}

    def summary(self) -> list[str]:
        notes = []
        if self.pregnancy != "no":
            notes.append(dict(PREGNANCY_CHOICES)[self.pregnancy].lower().replace("i am ", ""))
        if self.medication != "no":
            notes.append(f"new medication: {dict(MEDICATION_CHOICES)[self.medication].split(' (')[0].lower()}")
        if self.sunburn:
            notes.append("sunburn or fresh tan")
        return notes


@dataclass(frozen=True)
class PrevisitResult:
    changed: bool
    before: Screening
    after: Screening
    flagged: bool

    def message(self) -> str:
        """What the page tells her."""
        if not self.changed:
            return "Thank you: nothing new, see you soon."
        if self.after.status == Status.BLOCKED:
            return (
                "Thank you for telling us. With these answers we can't treat you at this appointment: "
                "please call the spa so we can talk it through and find a new date."
            )
        if self.after.status == Status.DOCTOR_CLEARANCE:
            return (
                "Thank you for telling us. We will need your doctor's clearance before treating you: "
                "please call the spa. Your practitioner has been told."
            )
        return "Thank you for telling us. Your practitioner will go through it with you before your session."


def _previous_answers(client_id: int) -> dict[str, bool]:
    latest = (
        IntakeSubmission.objects.filter(client_id=client_id)
        .order_by("-submitted_at", "-pk")
        .prefetch_related("answers__contraindication")
        .first()
    )
    return {a.contraindication.slug: a.answer for a in latest.answers.all()} if latest else {}


def submit_previsit_check(
    *, appointment: Appointment, answers: PrevisitAnswers, by: object, now: dt.datetime | None = None
) -> PrevisitResult:
    """Record her pre-visit answers for an upcoming booked appointment (hers)."""
    now = now or timezone.now()
    client = appointment.client
    if appointment.client_id != getattr(by, "pk", None):
        raise SchedulingError("not_your_appointment")
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= now:
        raise SchedulingError("not_active", status=appointment.get_status_display().lower())
    before = screening_status(user_id=client.pk, now=now)
    notes = answers.summary()
    if not notes:
        return PrevisitResult(changed=False, before=before, after=before, flagged=False)
    yes = answers.yes_slugs()
    if yes:
        previous = _previous_answers(client.pk)
        active = Contraindication.objects.filter(active=True).values_list("slug", flat=True)
        # The intake service owns its (durable) transaction; the flag below follows it. If
        # flagging failed, the new intake still shows on the staff schedule's screening.
        submit_intake(
            user=client,
            answers={slug: previous.get(slug, False) or slug in yes for slug in active},
            source=IntakeSubmission.Source.PRE_VISIT,
            now=now,
        )
    after = screening_status(user_id=client.pk, now=now)
    flag = f"Pre-visit check: {'; '.join(notes)}. Screening {before.status} → {after.status}."
    if after.status == Status.BLOCKED:
        flag += " Blocked: call her before the session."
    with transaction.atomic(durable=True):
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        locked.staff_flag = flag[:300]
        locked.save(update_fields=["staff_flag"])
    appointment.staff_flag = locked.staff_flag
    return PrevisitResult(changed=True, before=before, after=after, flagged=True)
