"""The dashboards' figures on a page: ``{{ value|figure:unit }}``, ``{{ key|jalali_month }}``."""

from __future__ import annotations

from django import template

from tanzim.common.formatting import is_persian
from tanzim.common.jalali import MONTH_NAMES_FA, JalaliMonth
from tanzim.common.normalize import to_persian_digits
from tanzim.dashboards.views import display

register = template.Library()


@register.filter
def figure(value: float | None, unit: str) -> str:
    return display(value, unit)


@register.filter
def jalali_month(key: int) -> str:
    month = JalaliMonth.from_key(key)
    if is_persian():
        return to_persian_digits(f"{MONTH_NAMES_FA[month.month - 1]} {month.year}")
    return f"{month.year}-{month.month:02d}"
