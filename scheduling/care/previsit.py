"""The pre-visit check linked from the 48-hour reminder: the day-of questions, "since your last
visit", answered by her before she comes (``scheduling.care.checkin`` keeps them for check-in).

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

from clients.screening import Screening, Status, screening_status
from scheduling.care.checkin import MEDICATION_CHOICES, PREGNANCY_CHOICES, PROCEDURE_CHOICES, record_day_of_answers
from scheduling.care.checkin import DayOfAnswers as PrevisitAnswers
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, DayOfCheck

__all__ = [
    "MEDICATION_CHOICES",
    "PREGNANCY_CHOICES",
    "PROCEDURE_CHOICES",
    "PrevisitAnswers",
    "PrevisitResult",
    "submit_previsit_check",
]


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
    record_day_of_answers(
        appointment=appointment, answers=answers, source=DayOfCheck.Source.PRE_VISIT, by=client, now=now
    )
    if not notes:
        return PrevisitResult(changed=False, before=before, after=before, flagged=False)
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
