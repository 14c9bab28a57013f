"""Reporting periods: a Jalali month written as one integer, ``YYYYMM`` (``140503`` = Khordad 1405).

An integer sorts and ranges like the months it names, so ``period BETWEEN 140501 AND 140512``
is a Jalali year, and it is the column the survey metrics group and filter on.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.common.jalali import MONTH_NAMES_EN, MONTH_NAMES_FA, jalali_month_bounds_utc, jalali_year_month
from tanzim.common.normalize import normalize_digits, to_persian_digits

_PERIOD_INPUT = re.compile(r"(1[3-4][0-9]{2})[-/ ]?(0?[1-9]|1[0-2])")


def period_of(value: date | datetime) -> int:
    """The period of a date or instant (Tehran calendar day)."""
    year, month = jalali_year_month(value)
    return year * 100 + month


def split(period: int) -> tuple[int, int]:
    return divmod(period, 100)


def is_valid(period: object) -> bool:
    if not isinstance(period, int) or isinstance(period, bool):
        return False
    year, month = divmod(period, 100)
    return 1300 <= year <= 1499 and 1 <= month <= 12


def parse_period(value: object, *, field: str = "period") -> int:
    """Read ``1405-03``, ``1405/3``, ``140503`` (any digit script) as a period; 400 otherwise."""
    if isinstance(value, int) and is_valid(value):
        return value
    text = normalize_digits(str(value or "")).strip()[:16]
    match = _PERIOD_INPUT.fullmatch(text)
    if match is None:
        raise DomainError(
            _("Enter a Jalali month such as 1405-03."),
            code="invalid_period",
            fields={field: [_("Enter a Jalali month such as 1405-03.")]},
        )
    return int(match[1]) * 100 + int(match[2])


def shift(period: int, months: int) -> int:
    """The period ``months`` later (negative: earlier)."""
    year, month = split(period)
    index = year * 12 + (month - 1) + months
    return (index // 12) * 100 + index % 12 + 1


def months_between(first: int, last: int) -> list[int]:
    """Every period from ``first`` to ``last``, both included."""
    periods: list[int] = []
    current = first
    while current <= last and len(periods) < 1200:
        periods.append(current)
        current = shift(current, 1)
    return periods


def bounds_utc(first: int, last: int | None = None) -> tuple[datetime, datetime]:
    """UTC instants opening ``first`` and closing ``last`` (half-open), for timestamp queries."""
    last = last or first
    start, _end = jalali_month_bounds_utc(*split(first))
    _start, end = jalali_month_bounds_utc(*split(last))
    return start, end


def label(period: int, *, language: str | None = None) -> str:
    """``خرداد ۱۴۰۵`` in Persian pages, ``Khordad 1405`` in English ones."""
    year, month = split(period)
    if (language or get_language() or "fa").startswith("en"):
        return f"{MONTH_NAMES_EN[month - 1]} {year}"
    return f"{MONTH_NAMES_FA[month - 1]} {to_persian_digits(year)}"


def code(period: int) -> str:
    """The period as typed in URLs and the API: ``1405-03``."""
    year, month = split(period)
    return f"{year:04d}-{month:02d}"
