"""Bounds on input that Python or the database cannot take: far dates and huge ids.

``date(9999, 12, 31) + 1 day`` and the UTC of ``0001-01-01T00:00+05:00`` overflow; an id past
2**63 - 1 overflows the database. Forms and serializers check these first, so the visitor gets
a clear error (a form error, or a JSON 400 on the field) instead of a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from rest_framework import serializers

#: Dates the app accepts anywhere: a century either side of any real booking.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1900-01-01 and 2999-12-31."
#: Free text: a session's or a clearance's notes, a client's comment. Enough for any real note,
#: not for a 100,000-character paste.
NOTES_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
#: The largest id a BigAutoField holds.
MAX_ID = 2**63 - 1


def date_in_range(day: dt.date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def moment_in_range(moment: dt.datetime) -> bool:
    """An aware moment whose UTC and local forms exist and fall in the accepted dates."""
    try:
        return date_in_range(moment.astimezone(dt.UTC).date())
    except (OverflowError, ValueError):
        return False


def parse_id(raw: Any) -> int | None:
    """A positive id from a query parameter, or None for anything else ("abc", "1.5", 10**30)."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class BoundedDateField(forms.DateField):
    """A form date between 1900 and 2999."""

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and not date_in_range(value):
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


class BoundedDateInput(serializers.DateField):
    """An API date between 1900 and 2999."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not date_in_range(day):
            raise serializers.ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")
        return day
