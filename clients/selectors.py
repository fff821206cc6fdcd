"""Reads about people: age rule, the questionnaire, staff lists and records (access-scoped)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from clients.errors import ClientsError
from clients.models import (
    ClientProfile,
    ConsentSignature,
    DoctorClearance,
    IntakeAnswer,
    IntakeSubmission,
    User,
)
from clients.screening import current_consent_text  # noqa: F401 (re-exported for views)
from clients.validators import normalise_phone
from spa.lib.time import local_now
from treatments.models import Contraindication


def age_problem(*, user: User, today: dt.date | None = None) -> str | None:
    """Why this client may not book online because of her age, or ``None`` if she may.

    Online booking is for clients aged ``SPA_MIN_AGE_YEARS`` (18) or over on ``today`` (the spa's
    local date). A client with no date of birth on file is asked to add it. Booking turns a
    non-``None`` answer into ``SchedulingError("under_age")`` (403).
    """
    today = today or local_now().date()
    profile = getattr(user, "client_profile", None)
    if profile is None or profile.date_of_birth is None:
        return "Please add your date of birth to your profile before booking online."
    age = profile.age_on(today)
    if age is not None and age < settings.SPA_MIN_AGE_YEARS:
        return f"You must be {settings.SPA_MIN_AGE_YEARS} or over to book online."
    return None


def active_questions() -> QuerySet[Contraindication]:
    """The intake questions: every active contraindication, in the admin's order."""
    return Contraindication.objects.filter(active=True).order_by("position", "slug")


def questionnaire_version(questions: Sequence[Contraindication]) -> str:
    """A short hash of what is asked (slug, wording, severity, waiting period), in order."""
    digest = hashlib.sha256()
    for item in questions:
        digest.update(f"{item.slug}|{item.question}|{item.severity}|{item.waiting_days or ''}\n".encode())
    return digest.hexdigest()[:40]


def latest_intake(*, user: User) -> IntakeSubmission | None:
    return (
        IntakeSubmission.objects.filter(client=user)
        .prefetch_related(Prefetch("answers", queryset=IntakeAnswer.objects.select_related("contraindication")))
        .first()
    )


def clients_queryset() -> QuerySet[User]:
    """Client accounts (not staff), erased ones excluded."""
    return User.objects.filter(is_staff=False, is_superuser=False).exclude(client_profile__erased_at__isnull=False)


_PHONE_SEARCH = re.compile(r"^\+?[\d\s().\-/]+$")


def _phone_digits(search: str) -> str | None:
    """The digits to look for when the search is a phone number, written any way ("07700 900123",
    "+44 7700-900123", "7700900123"); ``None`` when it is not a phone number."""
    if not _PHONE_SEARCH.match(search) or sum(c.isdigit() for c in search) < 6:
        return None
    try:
        return normalise_phone(search).removeprefix("+")
    except ClientsError:
        # Part of a number: its digits without the trunk zero ("0770 09" → "77009").
        return "".join(c for c in search if c.isdigit()).lstrip("0")


def staff_client_list(*, search: str = "") -> QuerySet[User]:
    """The staff's client list: name, email or phone contains the search (two queries with the profile)."""
    queryset = clients_queryset().select_related("client_profile").order_by("last_name", "first_name", "email")
    return clients_matching(queryset, search)


def clients_matching(queryset: QuerySet[User], search: str) -> QuerySet[User]:
    """The clients whose phone holds the number searched (written any way), or whose name, email
    or phone contains every word of the search."""
    digits = _phone_digits(search.strip())
    if digits:
        return queryset.filter(client_profile__phone__contains=digits)
    for word in search.split():
        queryset = queryset.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(client_profile__phone__icontains=word)
        )
    return queryset


def get_client_for_staff(*, pk: int) -> User:
    """A client's account for a staff page; 404 for staff accounts and unknown ids."""
    user = User.objects.filter(pk=pk, is_staff=False, is_superuser=False).select_related("client_profile").first()
    if user is None:
        raise Http404("No such client.")
    return user


def client_record(*, user: User) -> dict[str, object]:
    """Everything the staff client record shows, in a constant number of queries."""
    intakes = list(
        IntakeSubmission.objects.filter(client=user).prefetch_related(
            Prefetch("answers", queryset=IntakeAnswer.objects.select_related("contraindication"))
        )
    )
    clearances = list(
        DoctorClearance.objects.filter(client=user).select_related("recorded_by").prefetch_related("contraindications")
    )
    consents = list(ConsentSignature.objects.filter(client=user).select_related("text"))
    profile = ClientProfile.objects.filter(user=user).first()
    return {"intakes": intakes, "clearances": clearances, "consents": consents, "profile": profile}
