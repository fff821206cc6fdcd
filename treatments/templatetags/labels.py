"""``{{ code|label:"group" }}``: the human label of a status or code (spa/lib/labels.py)."""

from __future__ import annotations

from django import template

from spa.lib.labels import label as _label

register = template.Library()


@register.filter
def label(value: object, group: str = "") -> str:
    return _label(value, group)
