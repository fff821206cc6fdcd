"""Parsing of personal details shared by forms, the API and the services (phone, date of birth)."""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.conf import settings

from clients.errors import ClientsError

MAX_AGE_YEARS = 120
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().\-/]+$")


def normalise_phone(raw: str) -> str:
    """Any way people write a number → E.164: ``07700 900123`` and ``+44 (0)7700 900123`` both give
    ``+447700900123``. A number without a country code is read in ``SPA_PHONE_REGION`` (GB).
    Raises ``invalid_phone`` when the number cannot exist (wrong length for its country). "Possible",
    not "valid": Ofcom's drama range 07700 900xxx, used in demos and tests, is not assigned."""
    text = (raw or "").strip().replace("(0)", "")
    if not _PHONE_CHARACTERS.match(text):
        # Letters would be read as a keypad word ("77OO" as 7766): a typo, not a number.
        raise ClientsError("invalid_phone", field="phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, settings.SPA_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ClientsError("invalid_phone", field="phone") from error
    # Exactly "possible": a local-only number (no area code) cannot be dialled for a reminder.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ClientsError("invalid_phone", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_date_of_birth(born: dt.date, *, today: dt.date) -> dt.date:
    """A date of birth in the past and within a human lifetime."""
    if born >= today or born.year < today.year - MAX_AGE_YEARS:
        raise ClientsError("invalid_date_of_birth", field="date_of_birth")
    return born


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_adult(born: dt.date, *, today: dt.date) -> dt.date:
    """Online accounts are for adults (SPA_MIN_AGE_YEARS): skin needling of a minor needs a parent's
    consent given in person, which an online sign-up cannot take."""
    if age_on(born, today) < settings.SPA_MIN_AGE_YEARS:
        raise ClientsError("under_age_signup", field="date_of_birth", age=settings.SPA_MIN_AGE_YEARS)
    return born
