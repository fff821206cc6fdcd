"""Screening: one function decides where a client stands, from her latest intake.

Booking, the pages, the staff schedule and the API all call ``screening_status`` (one client)
or ``screening_statuses`` (many, in a constant number of queries).

Precedence, most serious first: ``missing`` / ``expired`` (no valid intake), ``blocked``,
``doctor_clearance``, ``staff_review``, ``clear``. ``advice`` answers never change the status;
they add guidance to ``reasons``.

The *current* rule of each contraindication decides, not the severity snapshot taken when she
answered: an admin may relax isotretinoin from ``blocks`` to ``doctor_clearance`` (DOMAIN.md)
and that applies to intakes already given. A doctor's clearance counts until its expiry date,
and only for answers given before it was recorded. A waiting period counts from the day she
answered (or, for a question that asks a date such as isotretinoin's last dose, from that date):

- ``blocks`` / ``staff_review`` with a waiting period: blocked until it ends (``bookable_from``),
  then the answer no longer holds (Botox three weeks ago is no reason to flag today);
- ``doctor_clearance`` with a waiting period: a clearance lifts it at once, otherwise she waits;
- ``advice``: always shown, never blocks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
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


def _worse(current: str, candidate: str) -> str:
    return max(current, candidate, key=_RANK.__getitem__)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Reason:
    slug: str
    severity: str
    text: str
    bookable_from: dt.date | None = None
    # A doctor's clearance on file lifts this answer (staff still see it).
    cleared: bool = False
    name: str = ""  # the contraindication's name, for staff wording

    def as_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "severity": self.severity,
            "text": self.text,
            "bookable_from": self.bookable_from.isoformat() if self.bookable_from else None,
            "cleared": self.cleared,
        }


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list[Reason] = field(default_factory=list)
    submitted_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    # When every waiting period holding her back has passed (None: no date to promise).
    bookable_from: dt.date | None = None
    consent_current: bool = False

    @property
    def can_book(self) -> bool:
        """May she be booked at all (online or by staff): intake fine and consent signed."""
        return self.status in (Status.CLEAR, Status.STAFF_REVIEW) and self.consent_current

    def may_book(self, *, needling: bool = True) -> bool:
        """Needling needs ``can_book``. A consultation (no needling) needs only a current intake: it
        is where a client waiting for her doctor's clearance, or for a block to pass, talks it
        through with us, so it stays bookable for her (no consent: nothing is done to the skin)."""
        if needling:
            return self.can_book
        return self.status in (Status.CLEAR, Status.STAFF_REVIEW, Status.DOCTOR_CLEARANCE, Status.BLOCKED)

    @property
    def fixed_by_intake(self) -> bool:
        """What stops her is something she can do herself now: fill in, renew or sign."""
        if self.status in (Status.MISSING, Status.EXPIRED):
            return True
        return self.status in (Status.CLEAR, Status.STAFF_REVIEW) and not self.consent_current

    @property
    def holding(self) -> list[Reason]:
        """The answers that stop her booking (not cleared, not advice, not staff review)."""
        return [r for r in self.reasons if r.severity in (Severity.BLOCKS, Severity.DOCTOR_CLEARANCE) and not r.cleared]

    def staff_explanation(self) -> str:
        """The same status in staff's words: what stops the booking and what staff can do."""
        names = ", ".join(r.name or r.slug for r in self.holding).lower()
        match self.status:
            case Status.MISSING:
                return "No medical questionnaire on file: she must fill it in (online or on paper) before booking."
            case Status.EXPIRED:
                return "Her medical questionnaire has expired: she must renew it before booking."
            case Status.DOCTOR_CLEARANCE:
                return (
                    f"Needs a doctor's clearance ({names}). Record it on her client page once the letter is "
                    "here; a consultation can be booked meanwhile."
                )
            case Status.BLOCKED:
                when = f" until {_day(self.blocked_until)}" if self.blocked_until else ""
                return f"Skin needling is blocked{when} ({names}). A consultation can be booked meanwhile."
            case _ if not self.consent_current:
                return "She has not signed the current consent form: she must sign it before a needling booking."
            case _:
                return "Cleared to book."

    @property
    def flags(self) -> list[Reason]:
        """What staff must see on the schedule (everything but advice)."""
        return [r for r in self.reasons if r.severity != Severity.ADVICE]

    @property
    def blocked_until(self) -> dt.date | None:
        """When every block ends, if each one has an end date (a doctor's clearance may remain)."""
        dates = [r.bookable_from for r in self.reasons if r.severity == Severity.BLOCKS]
        return max(dates) if dates and all(dates) else None  # type: ignore[type-var]

    @property
    def advice(self) -> list[Reason]:
        return [r for r in self.reasons if r.severity == Severity.ADVICE]

    def explanation(self) -> str:
        """The status in plain words for the client."""
        consent = "" if self.consent_current else " Please also sign the consent form."
        match self.status:
            case Status.MISSING:
                return "Please fill in the medical questionnaire before booking."
            case Status.EXPIRED:
                days = settings.SPA_INTAKE_VALIDITY_DAYS
                age = f"{round(days / 30.44)} months" if days >= 60 else f"{days} days"
                return f"Your medical questionnaire is more than {age} old: please renew it before booking."
            case Status.BLOCKED if self.bookable_from:
                return f"Skin needling can't be booked yet. You can book from {_day(self.bookable_from)}.{consent}"
            case Status.BLOCKED if self.blocked_until:
                # Waiting periods end, but a doctor's clearance will be needed after them.
                return (
                    f"Skin needling can't be booked before {_day(self.blocked_until)}, and then only with your "
                    f"doctor's clearance: bring or send us their letter.{consent}"
                )
            case Status.BLOCKED:
                return (
                    "From what you told us, skin needling isn't safe for you at the moment: "
                    "please call the spa to talk it through."
                )
            case Status.DOCTOR_CLEARANCE if self.bookable_from:
                return (
                    "For your safety, we need your doctor's clearance before we needle your skin; without it "
                    f"you can book from {_day(self.bookable_from)}.{consent}"
                )
            case Status.DOCTOR_CLEARANCE:
                return f"For your safety, we need your doctor's clearance before we needle your skin.{consent}"
            case Status.STAFF_REVIEW if self.consent_current:
                return "You can book. Your practitioner will go through a few answers with you before treating."
            case Status.STAFF_REVIEW:
                return (
                    "Your answers allow booking; your practitioner will go through a few of them with you. "
                    "Please sign the consent form to book."
                )
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


def intake_valid_until(submitted_at: dt.datetime) -> dt.date:
    """The last local date on which an intake given at ``submitted_at`` still counts."""
    return local_date(submitted_at + dt.timedelta(days=settings.SPA_INTAKE_VALIDITY_DAYS))


def _reason(item: Contraindication, *, since: dt.date, today: dt.date, cleared: set[int]) -> tuple[Reason, str] | None:
    """What a "yes" to ``item`` means today: the reason shown and the status it holds her at
    (``None`` once its waiting period is over)."""
    severity = item.severity
    opens = since + dt.timedelta(days=item.waiting_days) if item.waiting_days else None
    waiting = opens is not None and today < opens
    advice = f" {item.advice}" if item.advice else ""
    if severity == Severity.ADVICE:
        return Reason(item.slug, severity, f"{item.name}:{advice}" if advice else item.name), Status.CLEAR
    if opens is not None and not waiting:
        return None  # the waiting period is over: what the answer was about no longer holds
    if severity == Severity.DOCTOR_CLEARANCE:
        if item.pk in cleared:
            return Reason(item.slug, severity, f"{item.name}: doctor's clearance on file.", cleared=True), Status.CLEAR
        text = f"{item.name}: needs your doctor's clearance."
        if waiting:
            text += f" Without it, you can book from {_day(opens)}."
        return Reason(item.slug, severity, text, opens if waiting else None), Status.DOCTOR_CLEARANCE
    if waiting:
        return Reason(
            item.slug, Severity.BLOCKS, f"{item.name}: you can book from {_day(opens)}.", opens
        ), Status.BLOCKED
    if severity == Severity.BLOCKS:
        return Reason(item.slug, severity, f"{item.name}.{advice}"), Status.BLOCKED
    text = f"{item.name}: your practitioner will ask.{advice}"
    return Reason(item.slug, Severity.STAFF_REVIEW, text), Status.STAFF_REVIEW


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
    valid_until = intake_valid_until(submission.submitted_at)
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
    for answer in answers:
        if not answer.answer or not answer.contraindication.active:
            continue
        item = answer.contraindication
        # The waiting period counts from the date she gave (the last dose) or else her answer.
        since = answer.since if item.asks_date and answer.since else answered_on
        found = _reason(item, since=since, today=today, cleared=cleared)
        if found is not None:
            reason, holds = found
            reasons.append(reason)
            status = _worse(status, holds)
    # A date to promise only if every answer holding her back ends on a known date.
    holding = [r for r in reasons if r.severity in (Severity.BLOCKS, Severity.DOCTOR_CLEARANCE) and not r.cleared]
    bookable_from = None
    if holding and all(r.bookable_from for r in holding):
        bookable_from = max(r.bookable_from for r in holding if r.bookable_from)
    return Screening(
        status=status,
        reasons=reasons,
        submitted_at=submission.submitted_at,
        valid_until=valid_until,
        bookable_from=bookable_from,
        consent_current=consent_current,
    )


def screening_statuses(client_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, Screening]:
    """Screening of many clients in five queries whatever their number (schedule pages, lists)."""
    now = now or timezone.now()
    ids = set(client_ids)
    if not ids:
        return {}
    # Only each client's newest submission (and its answers) is read, not the whole history.
    newest = (
        IntakeSubmission.objects.filter(client_id=OuterRef("client_id"))
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    submissions = IntakeSubmission.objects.filter(client_id__in=ids, pk=Subquery(newest)).prefetch_related(
        Prefetch("answers", queryset=IntakeAnswer.objects.select_related("contraindication"))
    )
    latest = {submission.client_id: submission for submission in submissions}
    today = local_date(now)
    # A clearance counts until it expires, and only for answers given before it was recorded:
    # a "yes" given after it to a condition it covers asks for a new one.
    clearances: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    rows = DoctorClearance.contraindications.through.objects.filter(
        doctorclearance__client_id__in=ids, doctorclearance__expires_on__gte=today
    ).values_list("doctorclearance__client_id", "contraindication_id", "doctorclearance__recorded_at")
    for client_id, contraindication_id, recorded_at in rows:
        clearances[client_id].append((contraindication_id, recorded_at))
    consent = current_consent_text()
    signed = (
        set(ConsentSignature.objects.filter(client_id__in=ids, text=consent).values_list("client_id", flat=True))
        if consent
        else set()
    )
    result = {}
    for client_id in ids:
        submission = latest.get(client_id)
        cleared = {
            contraindication_id
            for contraindication_id, recorded_at in clearances[client_id]
            if submission is not None and recorded_at >= submission.submitted_at
        }
        result[client_id] = evaluate(
            submission=submission,
            answers=submission.answers.all() if submission else [],
            cleared=cleared,
            consent_current=client_id in signed,
            now=now,
        )
    return result


def screening_status(*, user_id: int, now: dt.datetime | None = None) -> Screening:
    """Where one client stands: status, reasons, validity, consent."""
    return screening_statuses([user_id], now=now)[user_id]
