"""Screening: one function decides where a client stands, from her latest intake.

Booking, the pages, the staff schedule and the API all call ``screening_status`` (one client)
or ``screening_statuses`` (many, in a constant number of queries).

Precedence, most serious first: ``missing`` / ``expired`` (no valid intake), ``blocked``,
``doctor_clearance``, ``staff_review``, ``clear``. ``advice`` answers never change the status;
they add guidance to ``reasons``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from clients.models import ConsentSignature, ConsentText, DoctorClearance, IntakeAnswer, IntakeSubmission
from spa.lib.time import local_date
from treatments.models import Contraindication

Severity = Contraindication.Severity


class Status:
    CLEAR = "clear"
    STAFF_REVIEW = "staff_review"
    DOCTOR_CLEARANCE = "doctor_clearance"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    MISSING = "missing"


# Higher is more serious; the worst answer decides.
_RANK = {Status.CLEAR: 0, Status.STAFF_REVIEW: 1, Status.DOCTOR_CLEARANCE: 2, Status.BLOCKED: 3}


@dataclass(frozen=True)
class Reason:
    slug: str
    severity: str
    text: str
    bookable_from: dt.date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "severity": self.severity,
            "text": self.text,
            "bookable_from": self.bookable_from.isoformat() if self.bookable_from else None,
        }


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list[Reason] = field(default_factory=list)
    submitted_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    # When every waiting period has passed (None: no waiting period holds her back).
    bookable_from: dt.date | None = None
    consent_current: bool = False

    @property
    def can_book(self) -> bool:
        """May she be booked at all (online or by staff): intake fine and consent signed."""
        return self.status in (Status.CLEAR, Status.STAFF_REVIEW) and self.consent_current

    @property
    def flags(self) -> list[Reason]:
        """What staff must see on the schedule (everything but advice)."""
        return [r for r in self.reasons if r.severity != Severity.ADVICE]

    def explanation(self) -> str:
        """The status in plain words for the client."""
        match self.status:
            case Status.MISSING:
                return "Please fill in the medical questionnaire before booking."
            case Status.EXPIRED:
                return "Your medical questionnaire is more than six months old: please renew it before booking."
            case Status.BLOCKED if self.bookable_from:
                return f"Skin needling can't be booked yet. You can book from {self.bookable_from:%-d %B %Y}."
            case Status.BLOCKED:
                return "Skin needling isn't possible for you at the moment: please call the spa to talk it through."
            case Status.DOCTOR_CLEARANCE:
                return (
                    "We need your doctor's clearance before you can book. Bring or send us their letter "
                    "and we will record it."
                )
            case Status.STAFF_REVIEW:
                return "You can book. Your practitioner will go through a few answers with you before treating."
            case _:
                if not self.consent_current:
                    return "Your questionnaire is fine. Please sign the consent form to book."
                return "You're all set: you can book online."

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "reasons": [r.as_dict() for r in self.reasons],
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "bookable_from": self.bookable_from.isoformat() if self.bookable_from else None,
            "consent": self.consent_current,
            "can_book": self.can_book,
            "explanation": self.explanation(),
        }


def current_consent_text() -> ConsentText | None:
    return ConsentText.objects.order_by("-version").first()


def evaluate(
    *,
    submission: IntakeSubmission | None,
    answers: Iterable[IntakeAnswer],
    cleared: set[int],
    consent_current: bool,
    now: dt.datetime,
) -> Screening:
    """The rule itself, on rows already fetched (no queries).

    ``answers`` must have ``contraindication`` loaded; ``cleared`` holds the ids of the
    contraindications a valid doctor's clearance covers.
    """
    if submission is None:
        return Screening(status=Status.MISSING, consent_current=consent_current)
    validity = dt.timedelta(days=settings.SPA_INTAKE_VALIDITY_DAYS)
    valid_until = local_date(submission.submitted_at + validity)
    today = local_date(now)
    if today > valid_until:
        return Screening(
            status=Status.EXPIRED,
            submitted_at=submission.submitted_at,
            valid_until=valid_until,
            consent_current=consent_current,
        )
    answered_on = local_date(submission.submitted_at)
    status = Status.CLEAR
    reasons: list[Reason] = []
    bookable_from: dt.date | None = None
    for answer in answers:
        item = answer.contraindication
        if not answer.answer or not item.active:
            continue
        # The current rule decides (an admin may relax isotretinoin to doctor_clearance).
        severity = item.severity
        if item.waiting_days:
            opens = answered_on + dt.timedelta(days=item.waiting_days)
            if today < opens:
                reasons.append(
                    Reason(item.slug, Severity.BLOCKS, f"{item.name}: you can book from {opens:%-d %B %Y}.", opens)
                )
                status = max(status, Status.BLOCKED, key=_RANK.__getitem__)
                bookable_from = max(bookable_from or opens, opens)
                continue
            if severity != Severity.ADVICE:
                # The waiting period is over: what the answer was about no longer holds.
                continue
        if severity == Severity.DOCTOR_CLEARANCE and item.pk in cleared:
            reasons.append(Reason(item.slug, Severity.STAFF_REVIEW, f"{item.name}: doctor's clearance on file."))
            status = max(status, Status.STAFF_REVIEW, key=_RANK.__getitem__)
            continue
        text = f"{item.name}: {item.advice}" if item.advice else item.name
        reasons.append(Reason(item.slug, severity, text))
        if severity == Severity.BLOCKS:
            status = max(status, Status.BLOCKED, key=_RANK.__getitem__)
        elif severity == Severity.DOCTOR_CLEARANCE:
            status = max(status, Status.DOCTOR_CLEARANCE, key=_RANK.__getitem__)
        elif severity == Severity.STAFF_REVIEW:
            status = max(status, Status.STAFF_REVIEW, key=_RANK.__getitem__)
    if status != Status.BLOCKED or any(r.severity == Severity.BLOCKS and not r.bookable_from for r in reasons):
        # Not blocked, or blocked with no end date: there is no date to promise.
        bookable_from = None
    return Screening(
        status=status,
        reasons=reasons,
        submitted_at=submission.submitted_at,
        valid_until=valid_until,
        bookable_from=bookable_from,
        consent_current=consent_current,
    )


def screening_statuses(client_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, Screening]:
    """Screening of many clients in four queries (schedule pages, lists)."""
    now = now or timezone.now()
    ids = set(client_ids)
    if not ids:
        return {}
    latest: dict[int, IntakeSubmission] = {}
    submissions = (
        IntakeSubmission.objects.filter(client_id__in=ids)
        .order_by("client_id", "-submitted_at", "-pk")
        .prefetch_related(Prefetch("answers", queryset=IntakeAnswer.objects.select_related("contraindication")))
    )
    # Only the newest per client is needed; older ones are skipped (prefetch is one query).
    for submission in submissions:
        latest.setdefault(submission.client_id, submission)
    today = local_date(now)
    cleared: dict[int, set[int]] = defaultdict(set)
    clearances = DoctorClearance.contraindications.through.objects.filter(
        doctorclearance__client_id__in=ids
    ).values_list("doctorclearance__client_id", "contraindication_id", "doctorclearance__expires_on")
    for client_id, contraindication_id, expires_on in clearances:
        if expires_on is None or expires_on >= today:
            cleared[client_id].add(contraindication_id)
    consent = current_consent_text()
    signed = (
        set(ConsentSignature.objects.filter(client_id__in=ids, text=consent).values_list("client_id", flat=True))
        if consent
        else set()
    )
    result = {}
    for client_id in ids:
        submission = latest.get(client_id)
        result[client_id] = evaluate(
            submission=submission,
            answers=submission.answers.all() if submission else [],
            cleared=cleared[client_id],
            consent_current=client_id in signed,
            now=now,
        )
    return result


def screening_status(*, user_id: int, now: dt.datetime | None = None) -> Screening:
    """Where one client stands: status, reasons, validity, consent."""
    return screening_statuses([user_id], now=now)[user_id]
