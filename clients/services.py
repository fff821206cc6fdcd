"""Writes about people: sign-up, profile, intake, consent, doctor's clearance, audit, erasure."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clients import privacy
from clients.errors import ClientsError
from clients.models import (
    AuditEntry,
    ClientProfile,
    ConsentSignature,
    ConsentText,
    DoctorClearance,
    IntakeAnswer,
    IntakeSubmission,
    User,
)
from clients.screening import current_consent_text
from clients.selectors import active_questions, questionnaire_version
from clients.validators import check_adult, check_date_of_birth, normalise_phone
from spa.lib.time import local_date
from spa.lib.uploads import CheckedUpload, UploadRejected, checked_image
from treatments.models import Contraindication

Severity = Contraindication.Severity
MAX_LETTER_BYTES = 10 * 1024 * 1024
#: A clearance without a given end lasts this long (DOMAIN.md: default 12 months).
CLEARANCE_DEFAULT_DAYS = 365
#: Clearances for these need their end date (the expected end of the pregnancy, of breastfeeding).
EXPIRY_REQUIRED = {"pregnancy", "breastfeeding"}


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ClientsError("invalid", first, field_errors=errors)


def registration_problems(
    *,
    email: str | None,
    password: str | None,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
    date_of_birth: dt.date | None,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """What stops a sign-up, per field, all at once. ``None``: the field did not parse (its form
    already says why), so it is skipped rather than reported twice."""
    today = local_date(now or timezone.now())
    errors: dict[str, list[str]] = {}
    if email and User.objects.filter(email__iexact=email.strip()).exists():
        errors["email"] = [str(ClientsError("email_taken").message)]
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not None and not value.strip():
            errors[name] = ["This field is required."]
    checks = [("phone", phone, normalise_phone)]
    if date_of_birth is not None:
        checks.append(
            (
                "date_of_birth",
                date_of_birth,
                lambda born: check_adult(check_date_of_birth(born, today=today), today=today),
            )
        )
    for name, value, check in checks:
        if value is None:
            continue
        try:
            check(value)
        except ClientsError as error:
            errors[name] = [error.message]
    if password is not None:
        candidate = User(email=email or "", first_name=(first_name or "").strip(), last_name=(last_name or "").strip())
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            errors["password"] = list(error.messages)
    return errors


def register_client(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: dt.date,
    now: dt.datetime | None = None,
) -> User:
    """Create a client's account and profile. Every problem is reported at once, per field."""
    email = User.objects.normalize_email(email.strip()).lower()
    _raise_if(
        registration_problems(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            date_of_birth=date_of_birth,
            now=now,
        )
    )
    phone = normalise_phone(phone)
    with transaction.atomic(durable=True):
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name.strip(), last_name=last_name.strip()
        )
        ClientProfile.objects.create(user=user, phone=phone, date_of_birth=date_of_birth)
    return user


def update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: dt.date | None,
    skin_type: int | None = None,
    preferred_channel: str = ClientProfile.Channel.EMAIL,
    marketing_opt_in: bool = False,
    now: dt.datetime | None = None,
) -> ClientProfile:
    """Change her own details. Text messages need a phone number."""
    today = local_date(now or timezone.now())
    errors: dict[str, list[str]] = {}
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip():
            errors[name] = ["This field is required."]
    if phone.strip():
        try:
            phone = normalise_phone(phone)
        except ClientsError as error:
            errors["phone"] = [error.message]
    else:
        phone = ""
        if preferred_channel == ClientProfile.Channel.SMS:
            errors["phone"] = ["Add a phone number to get text messages."]
    if date_of_birth is not None:
        try:
            check_date_of_birth(date_of_birth, today=today)
        except ClientsError as error:
            errors["date_of_birth"] = [error.message]
    if preferred_channel not in ClientProfile.Channel.values:
        errors["preferred_channel"] = ["Choose email or text message."]
    if skin_type is not None and skin_type not in ClientProfile.SkinType.values:
        errors["skin_type"] = ["Choose a Fitzpatrick skin type from I to VI."]
    _raise_if(errors)
    with transaction.atomic(durable=True):
        user.first_name = first_name.strip()
        user.last_name = last_name.strip()
        user.save(update_fields=["first_name", "last_name"])
        profile, _ = ClientProfile.objects.get_or_create(user=user)
        profile.phone = phone
        profile.date_of_birth = date_of_birth
        profile.skin_type = skin_type
        profile.preferred_channel = preferred_channel
        profile.marketing_opt_in = marketing_opt_in
        profile.save()
    return profile


def _check_answers(questions: list[Contraindication], answers: dict[str, bool]) -> None:
    missing = [item.slug for item in questions if not isinstance(answers.get(item.slug), bool)]
    errors = {slug: ["Please answer this question."] for slug in missing}
    if errors:
        raise ClientsError("unanswered", field_errors=errors, questions=errors)
    unknown = sorted(set(answers) - {item.slug for item in questions})
    if unknown:
        raise ClientsError("unknown_question", field="answers", slugs=", ".join(unknown))


def _check_dates(
    questions: list[Contraindication], answers: dict[str, bool], dates: dict[str, dt.date], *, today: dt.date
) -> dict[str, dt.date]:
    """The dates given with a yes (the last isotretinoin dose): only for questions that ask one,
    never in the future. A yes without its date counts from the day she answers."""
    asks = {item.slug for item in questions if item.asks_date}
    errors = {
        slug: ["Give a date that is not in the future."]
        for slug, day in dates.items()
        if slug in asks and answers.get(slug) and day > today
    }
    if errors:
        raise ClientsError("invalid", next(iter(errors.values()))[0], field_errors=errors, questions=errors)
    return {slug: day for slug, day in dates.items() if slug in asks and answers.get(slug)}


def _write_intake(
    *,
    user: User,
    questions: list[Contraindication],
    answers: dict[str, bool],
    source: str,
    now: dt.datetime,
    dates: dict[str, dt.date] | None = None,
) -> IntakeSubmission:
    submission = IntakeSubmission.objects.create(
        client=user, submitted_at=now, source=source, questionnaire_version=questionnaire_version(questions)
    )
    IntakeAnswer.objects.bulk_create(
        IntakeAnswer(
            submission=submission,
            contraindication=item,
            question=item.question,
            severity=item.severity,
            answer=answers[item.slug],
            since=(dates or {}).get(item.slug),
        )
        for item in questions
    )
    return submission


def submit_intake(
    *,
    user: User,
    answers: dict[str, bool],
    source: str = IntakeSubmission.Source.INTAKE,
    now: dt.datetime | None = None,
) -> IntakeSubmission:
    """Record a new answered questionnaire (history: earlier ones are kept).

    Every active question must be answered yes or no; the wording and severity asked are
    copied into each answer and the questionnaire's version (a hash of the questions) kept.
    Raises ``ClientsError("unanswered")`` with one field error per question left out (the
    field is the contraindication's slug).
    """
    questions = list(active_questions())
    _check_answers(questions, answers)
    with transaction.atomic(durable=True):
        return _write_intake(user=user, questions=questions, answers=answers, source=source, now=now or timezone.now())


def _name_key(name: str) -> str:
    """A name as people type it: case, accents, spaces, hyphens and symbols (emoji) do not count."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _same_name(typed: str, expected: str) -> bool:
    # "Zoe Ng" signs for "Zoë Ng", "anne-marie o'neil" for "Anne Marie O'Neil".
    return _name_key(typed) == _name_key(expected) and bool(_name_key(typed))


def _check_consent(*, user: User, signed_name: str, accepted: bool) -> ConsentText:
    text = current_consent_text()
    if text is None:
        raise ClientsError("no_consent_text")
    if not accepted:
        raise ClientsError("consent_not_accepted", field="accepted")
    full_name = user.get_full_name()
    if not signed_name.strip() or (full_name and not _same_name(signed_name, full_name)):
        raise ClientsError("name_mismatch", field="signed_name", name=full_name or "your name")
    return text


def _write_signature(
    *, user: User, text: ConsentText, signed_name: str, ip: str | None, user_agent: str, now: dt.datetime
) -> ConsentSignature:
    return ConsentSignature.objects.create(
        client=user,
        text=text,
        signed_name=" ".join(signed_name.split()),
        signed_at=now,
        ip_address=ip or None,
        user_agent=(user_agent or "")[:400],
    )


def sign_consent(
    *,
    user: User,
    signed_name: str,
    accepted: bool,
    ip: str | None,
    user_agent: str,
    now: dt.datetime | None = None,
) -> ConsentSignature:
    """Sign the current consent text: the box ticked and her full name typed (any letter case)."""
    text = _check_consent(user=user, signed_name=signed_name, accepted=accepted)
    with transaction.atomic(durable=True):
        return _write_signature(
            user=user, text=text, signed_name=signed_name, ip=ip, user_agent=user_agent, now=now or timezone.now()
        )


def complete_intake(
    *,
    user: User,
    answers: dict[str, bool],
    sign: bool,
    signed_name: str = "",
    accepted: bool = False,
    ip: str | None = None,
    user_agent: str = "",
    dates: dict[str, dt.date] | None = None,
    now: dt.datetime | None = None,
) -> tuple[IntakeSubmission, ConsentSignature | None]:
    """The intake page and ``PUT me/intake``: answers and, if ``sign``, the consent, all or nothing.

    Both are checked before anything is written, and every problem is reported at once.
    """
    now = now or timezone.now()
    questions = list(active_questions())
    errors: dict[str, list[str]] = {}
    text = None
    try:
        _check_answers(questions, answers)
        dates = _check_dates(questions, answers, dates or {}, today=local_date(now))
    except ClientsError as error:
        errors.update(error.field_errors or {"answers": [error.message]})
    if sign:
        try:
            text = _check_consent(user=user, signed_name=signed_name, accepted=accepted)
        except ClientsError as error:
            errors.update(error.field_errors or {"consent": [error.message]})
    if errors:
        code = "unanswered" if any(item.slug in errors for item in questions) else "invalid"
        slugs = {item.slug for item in questions}
        raise ClientsError(code, next(iter(errors.values()))[0], field_errors=errors, questions=slugs)
    with transaction.atomic(durable=True):
        submission = _write_intake(
            user=user,
            questions=questions,
            answers=answers,
            source=IntakeSubmission.Source.INTAKE,
            now=now,
            dates=dates,
        )
        signature = (
            _write_signature(user=user, text=text, signed_name=signed_name, ip=ip, user_agent=user_agent, now=now)
            if text is not None
            else None
        )
    return submission, signature


def check_letter(letter: UploadedFile) -> CheckedUpload:
    """The letter as the server will store it: a PDF (by its magic bytes) or a re-encoded
    image, whatever the browser declared."""
    try:
        return checked_image(letter, allow_pdf=True, max_bytes=MAX_LETTER_BYTES)
    except UploadRejected as error:
        raise ClientsError("invalid", f"The letter: {error.message}", field="letter") from error


def grant_clearance(
    *,
    client: User,
    note: str,
    by: User,
    contraindications: list[Contraindication] | None = None,
    letter: UploadedFile | None = None,
    cleared_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DoctorClearance:
    """Record a doctor's clearance (staff only). It lifts ``doctor_clearance`` for what it covers,
    until ``expires_on`` (default 12 months; required for pregnancy and breastfeeding, where it is
    the expected end), and only for answers given before it was recorded.

    By default it covers every question of her latest intake that she answered yes to and that
    currently needs a doctor's clearance.
    """
    now = now or timezone.now()
    if not by.is_staff:
        raise ClientsError("staff_only")
    if client.is_staff or client.is_superuser:
        raise ClientsError("not_a_client")
    if not note.strip():
        raise ClientsError("invalid", "Write what the doctor said.", field="note")
    cleared_on = cleared_on or local_date(now)
    if expires_on is not None and expires_on < cleared_on:
        raise ClientsError("bad_expiry", field="expires_on")
    if contraindications is None:
        latest = IntakeSubmission.objects.filter(client=client).first()
        contraindications = (
            list(
                Contraindication.objects.filter(
                    answers__submission=latest, answers__answer=True, severity=Severity.DOCTOR_CLEARANCE
                )
            )
            if latest
            else []
        )
        if not contraindications:
            raise ClientsError("nothing_to_clear")
    elif any(item.severity != Severity.DOCTOR_CLEARANCE for item in contraindications) or not contraindications:
        raise ClientsError("not_doctor_clearance", field="contraindications")
    checked = check_letter(letter) if letter is not None else None
    expires_on = _clearance_expiry(contraindications, cleared_on=cleared_on, expires_on=expires_on)
    with transaction.atomic(durable=True):
        clearance = DoctorClearance(
            client=client,
            note=note.strip(),
            cleared_on=cleared_on,
            expires_on=expires_on,
            recorded_by=by,
            recorded_at=now,
        )
        if checked is not None:
            clearance.letter.save(checked.content.name, checked.content, save=False)
        clearance.save()
        clearance.contraindications.set(contraindications)
        record_access(
            actor=by,
            client=client,
            action=AuditEntry.Action.CHANGE,
            # No medical detail in the trail: it outlives an erasure (the clearance row does not).
            what=f"recorded doctor's clearance #{clearance.pk}",
        )
    return clearance


def _clearance_expiry(
    contraindications: list[Contraindication], *, cleared_on: dt.date, expires_on: dt.date | None
) -> dt.date:
    """The clearance's end: required for pregnancy and breastfeeding (the expected end), otherwise
    12 months after it was given unless staff say otherwise."""
    if expires_on is not None:
        return expires_on
    needs_date = sorted(item.name for item in contraindications if item.slug in EXPIRY_REQUIRED)
    if needs_date:
        raise ClientsError("expiry_required", field="expires_on", names=", ".join(needs_date))
    return cleared_on + dt.timedelta(days=CLEARANCE_DEFAULT_DAYS)


def record_access(*, actor: User | None, client: User, action: str, what: str, ip: str | None = None) -> AuditEntry:
    """One line of the audit trail: who saw or changed what on a client's record."""
    return AuditEntry.objects.create(actor=actor, client=client, action=action, what=what[:200], ip_address=ip)


def export_client_data(*, user: User, by: User | None = None) -> dict[str, Any]:
    """Everything the spa holds about her (see ``clients.privacy``); a staff export is audited."""
    data = privacy.export_client_data(user)
    if by is not None and by.pk != user.pk:
        record_access(actor=by, client=user, action=AuditEntry.Action.EXPORT, what="exported the client's data")
    return data


def erase_client(*, user: User, by: User) -> None:
    """Erase her personal and medical data (``clients.privacy.erase_client``)."""
    privacy.erase_client(user=user, by=by)
