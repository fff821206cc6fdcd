"""Parsing of personal details shared by forms, the API and the services (phone, date of birth)."""

from __future__ import annotations

import datetime as dt
import re

from clients.errors import ClientsError

# E.164: a plus, a country code not starting with 0, at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SEPARATORS = re.compile(r"[\s().\-/]")
MAX_AGE_YEARS = 120


def normalise_phone(raw: str) -> str:
    """``+44 7700 900123`` → ``+447700900123``; anything not international raises ``invalid_phone``."""
    # "+44 (0)7700 900123": the bracketed trunk zero is not dialled from abroad.
    phone = _SEPARATORS.sub("", (raw or "").replace("(0)", ""))
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.match(phone):
        raise ClientsError("invalid_phone", field="phone")
    return phone


def check_date_of_birth(born: dt.date, *, today: dt.date) -> dt.date:
    """A date of birth in the past and within a human lifetime."""
    if born >= today or born.year < today.year - MAX_AGE_YEARS:
        raise ClientsError("invalid_date_of_birth", field="date_of_birth")
    return born
