"""django-filter pieces every app's lists share: a moment filtered by the spa's local date."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from spa.lib.bounds import MAX_ID, BoundedDateField
from spa.lib.time import local_day_bounds


class LocalDateFilter(django_filters.DateFilter):
    """Rows whose moment ``field_name`` falls on a local calendar date (a day is 23 or 25 hours
    on a daylight-saving change). ``lookup_expr`` ``gte``: on or after the date; ``lte``: on or
    before it; ``exact``: on it. With ``end_field``, rows whose ``[field_name, end_field)``
    overlaps the day. Dates outside 1900–2999 are a field error (``BoundedDateField``)."""

    field_class = BoundedDateField

    def __init__(self, *args: Any, end_field: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.end_field = end_field

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        first, after = local_day_bounds(value)
        bounds: dict[str, Any] = {}
        if self.lookup_expr in ("exact", "gte"):
            bounds[f"{self.end_field}__gt" if self.end_field else f"{self.field_name}__gte"] = first
        if self.lookup_expr in ("exact", "lte"):
            bounds[f"{self.field_name}__lt"] = after
        return self.get_method(qs)(**bounds)


class IdField(forms.IntegerField):
    """A row id in a query: a positive whole number a database id can hold."""

    default_error_messages = {"invalid": "An id: a positive whole number."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.pop("step_size", None)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """A row id (``IdField``): a word, a fraction or an id too large is a field error."""

    field_class = IdField
