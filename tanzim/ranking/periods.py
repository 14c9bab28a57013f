"""Ranking periods: a Jalali month (``1405-03``) or quarter (``1405-Q2``), as a first and last month.

Months are the ``YYYYMM`` integers of ``tanzim.feedback.periods``; a quarter is three of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.common.normalize import normalize_digits, to_persian_digits
from tanzim.feedback import periods as months
from tanzim.ranking.choices import PeriodKind

_QUARTER = re.compile(r"(1[3-4][0-9]{2})[-/ ]?[Qq]([1-4])")
QUARTER_NAMES_FA = ("بهار", "تابستان", "پاییز", "زمستان")
QUARTER_NAMES_EN = ("Spring", "Summer", "Autumn", "Winter")


@dataclass(frozen=True)
class Period:
    kind: str
    first: int
    last: int

    @property
    def code(self) -> str:
        year, month = months.split(self.first)
        if self.kind == PeriodKind.QUARTER:
            return f"{year:04d}-Q{(month - 1) // 3 + 1}"
        return months.code(self.first)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return months.label(self.first)
        year, month = months.split(self.first)
        quarter = (month - 1) // 3
        if (get_language() or "fa").startswith("en"):
            return f"{QUARTER_NAMES_EN[quarter]} {year}"
        return f"{QUARTER_NAMES_FA[quarter]} {to_persian_digits(year)}"

    def previous(self) -> Period:
        step = 3 if self.kind == PeriodKind.QUARTER else 1
        return Period(self.kind, months.shift(self.first, -step), months.shift(self.last, -step))

    def months(self) -> list[int]:
        return months.months_between(self.first, self.last)

    def has_ended(self, now=None) -> bool:
        return months.period_of(now or timezone.now()) > self.last


def of(kind: str, first: int, last: int) -> Period:
    return Period(kind, first, last)


def parse(value: object, *, field: str = "period") -> Period:
    """``1405-03`` (a month) or ``1405-Q2`` (a quarter), in any digit script; 400 otherwise."""
    text = normalize_digits(str(value or "")).strip()[:16]
    match = _QUARTER.fullmatch(text)
    if match:
        year, quarter = int(match[1]), int(match[2])
        first = year * 100 + (quarter - 1) * 3 + 1
        return Period(PeriodKind.QUARTER, first, first + 2)
    try:
        month = months.parse_period(text, field=field)
    except DomainError:
        message = _("Enter a Jalali month such as 1405-03 or a quarter such as 1405-Q1.")
        raise DomainError(message, code="invalid_period", fields={field: [message]}) from None
    return Period(PeriodKind.MONTH, month, month)


def last_ended_month(now=None) -> Period:
    month = months.shift(months.period_of(now or timezone.now()), -1)
    return Period(PeriodKind.MONTH, month, month)
