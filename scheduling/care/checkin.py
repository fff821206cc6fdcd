"""The point of care, part one: the day-of questions and the re-screening at check-in.

What she declared weeks ago is not what she is on the day. Before a needling session she
answers the day-of questions (pregnant or breastfeeding; infection, cold sore or open wound in
the area; new isotretinoin or blood thinners; sunburn; Botox, fillers, a peel or laser since her
last visit) in the pre-visit check, or staff ask them at the desk. A "yes" becomes the matching
intake answer (a new intake copying her previous answers, source ``pre_visit`` or ``staff``), so
the one screening rule (``clients.screening``) decides about it with everything else: waiting
periods, doctor's clearances and their expiry.

``checkin_refusal`` is the rule check-in applies (``scheduling.staff.check_in_appointment``,
called by the staff page, the API, the admin action): on the day, her intake is valid, her
consent is the current version, no answer given after her last clearance needs a new one, and
the day-of questions have been answered, with no "yes" that screening does not lift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db import transaction

from clients.models import IntakeSubmission, User
from clients.screening import Screening, Status, screening_status
from clients.services import submit_intake
from scheduling.models import Appointment, DayOfCheck
from treatments.models import Contraindication

Severity = Contraindication.Severity

PREGNANCY_CHOICES = [
    ("no", "No"),
    ("pregnant", "Pregnant, or could be"),
    ("breastfeeding", "Breastfeeding"),
]
MEDICATION_CHOICES = [
    ("no", "No new medication"),
    ("anticoagulants", "Blood thinners (e.g. warfarin, apixaban, daily aspirin)"),
    ("isotretinoin", "Isotretinoin (Roaccutane, Accutane)"),
    ("other", "Another new medication"),
]
PROCEDURE_CHOICES = [
    ("no", "No"),
    ("injectables", "Botox or fillers"),
    ("resurfacing", "A chemical peel or laser"),
]
YES_NO = [("no", "No"), ("yes", "Yes")]
#: Answer value → the contraindication slug a "yes" sets in her intake.
SLUGS = {
    "pregnant": "pregnancy",
    "breastfeeding": "breastfeeding",
    "anticoagulants": "anticoagulants",
    "isotretinoin": "isotretinoin",
    "sun": "sunburn",
    "infection": "active_infection",
    "injectables": "injectables",
    "resurfacing": "recent_resurfacing",
}
#: The questions as staff ask them at the desk (and the pre-visit check asks her).
QUESTIONS = {
    "pregnancy": "Are you pregnant or breastfeeding, or could you be pregnant?",
    "infection": "Do you have an infection, a cold sore or an open wound in the area to be treated?",
    "medication": "Have you started any new medicine, in particular isotretinoin or blood thinners?",
    "sunburn": "Do you have sunburn or a fresh tan in the area (last two weeks)?",
    "procedures": "Since your last visit, have you had Botox, fillers, a chemical peel or laser?",
}


@dataclass(frozen=True)
class DayOfAnswers:
    """Her answers to the day-of questions ("no" everywhere by default)."""

    pregnancy: str = "no"
    medication: str = "no"
    sunburn: bool = False
    infection: bool = False
    procedures: str = "no"

    def yes_slugs(self) -> set[str]:
        picked = {self.pregnancy, self.medication, self.procedures}
        picked |= {"sun"} if self.sunburn else set()
        picked |= {"infection"} if self.infection else set()
        return {SLUGS[value] for value in picked if value in SLUGS}

    def summary(self) -> list[str]:
        """The yes answers in a few words (staff flag, refusal)."""
        notes = []
        if self.pregnancy != "no":
            notes.append(dict(PREGNANCY_CHOICES)[self.pregnancy].lower())
        if self.infection:
            notes.append("infection, cold sore or open wound in the area")
        if self.medication != "no":
            notes.append(f"new medication: {dict(MEDICATION_CHOICES)[self.medication].split(' (')[0].lower()}")
        if self.sunburn:
            notes.append("sunburn or fresh tan")
        if self.procedures != "no":
            notes.append(f"since the last visit: {dict(PROCEDURE_CHOICES)[self.procedures].lower()}")
        return notes

    def is_valid(self) -> bool:
        return (
            self.pregnancy in dict(PREGNANCY_CHOICES)
            and self.medication in dict(MEDICATION_CHOICES)
            and self.procedures in dict(PROCEDURE_CHOICES)
            and isinstance(self.sunburn, bool)
            and isinstance(self.infection, bool)
        )


def _previous_answers(client_id: int) -> dict[str, bool]:
    latest = (
        IntakeSubmission.objects.filter(client_id=client_id)
        .order_by("-submitted_at", "-pk")
        .prefetch_related("answers__contraindication")
        .first()
    )
    return {a.contraindication.slug: a.answer for a in latest.answers.all()} if latest else {}


def record_day_of_answers(
    *, appointment: Appointment, answers: DayOfAnswers, source: str, by: User | None, now: dt.datetime
) -> DayOfCheck:
    """Keep her day-of answers for ``appointment``; a "yes" also becomes an intake answer.

    A "no" never clears an earlier "yes" (only the full questionnaire does), and all-no writes
    no new intake: copying old answers into a new one would restart their waiting periods.
    """
    yes = answers.yes_slugs()
    if yes:
        previous = _previous_answers(appointment.client_id)
        active = Contraindication.objects.filter(active=True).values_list("slug", flat=True)
        # The intake service owns its (durable) transaction; the day-of row follows it. If that
        # failed, the new intake still holds her answers for screening.
        submit_intake(
            user=appointment.client,
            answers={slug: previous.get(slug, False) or slug in yes for slug in active},
            source=IntakeSubmission.Source.PRE_VISIT
            if source == DayOfCheck.Source.PRE_VISIT
            else IntakeSubmission.Source.STAFF,
            now=now,
        )
    with transaction.atomic(durable=True):
        return DayOfCheck.objects.create(
            appointment=appointment,
            source=source,
            pregnant_or_breastfeeding=answers.pregnancy != "no",
            infection_in_area=answers.infection,
            new_medicines=answers.medication in ("anticoagulants", "isotretinoin"),
            sunburn=answers.sunburn,
            procedures_since_last_visit=answers.procedures != "no",
            answered_at=now,
            answered_by=by,
            summary="; ".join(answers.summary())[:300],
        )


def _label(text: str) -> str:
    return text.split(":", 1)[0].rstrip(".")


def _screening_problems(screening: Screening) -> list[str]:
    """Why her screening stops treatment today, in plain words for the desk."""
    if screening.status == Status.MISSING:
        return ["She has no medical questionnaire on file: she must fill it in before treatment."]
    if screening.status == Status.EXPIRED:
        return [
            f"Her medical questionnaire expired on {screening.valid_until:%-d %B %Y}: "
            "she must renew it before treatment."
        ]
    problems = []
    for reason in screening.reasons:
        if reason.cleared or reason.severity not in (Severity.BLOCKS, Severity.DOCTOR_CLEARANCE):
            continue
        if reason.severity == Severity.DOCTOR_CLEARANCE:
            problems.append(f"{_label(reason.text)}: needs a doctor's clearance (none on file that covers it).")
        elif reason.bookable_from:
            problems.append(f"{_label(reason.text)}: no treatment before {reason.bookable_from:%-d %B %Y}.")
        else:
            problems.append(f"{_label(reason.text)}: no treatment while this applies.")
    return problems


def checkin_refusal(*, appointment: Appointment, now: dt.datetime) -> str | None:
    """Why she cannot be checked in for ``appointment`` now, in plain words; None when she can."""
    problems = []
    needling = appointment.service.is_needling
    screening = screening_status(user_id=appointment.client_id, now=now)
    if needling:
        problems += _screening_problems(screening)
    if not screening.consent_current:
        problems.append("She has not signed the current consent form.")
    if needling and not DayOfCheck.objects.filter(appointment=appointment).exists():
        problems.append(
            "The day-of questions are not answered yet (pregnancy or breastfeeding, infection in the area, "
            "new medicines, sunburn, Botox, fillers, peel or laser): ask them at the desk."
        )
    if not problems:
        return None
    return "Check-in refused. " + " ".join(problems)


class DayOfAnswersForm(forms.Form):
    """The day-of questions: the pre-visit check (hers) and the desk (staff) use the same form."""

    pregnancy = forms.ChoiceField(label=QUESTIONS["pregnancy"], choices=PREGNANCY_CHOICES, widget=forms.RadioSelect)
    infection = forms.TypedChoiceField(
        label=QUESTIONS["infection"], choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect
    )
    medication = forms.ChoiceField(label=QUESTIONS["medication"], choices=MEDICATION_CHOICES, widget=forms.RadioSelect)
    sunburn = forms.TypedChoiceField(
        label=QUESTIONS["sunburn"], choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect
    )
    procedures = forms.ChoiceField(label=QUESTIONS["procedures"], choices=PROCEDURE_CHOICES, widget=forms.RadioSelect)

    def answers(self) -> DayOfAnswers:
        return DayOfAnswers(**self.cleaned_data)
