"""``{{ value|mm }}``: a needle depth as people write it (0.25, 1.5, 2.0)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def mm(value: Decimal | float | None) -> str:
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
