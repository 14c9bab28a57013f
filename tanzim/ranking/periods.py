"""Ranking periods: a Jalali month (``1405-03``) or quarter (``1405-Q2``), as a first and last month.

A period is stored as the keys (``YYYYMM``) of its first and last ``JalaliMonth``; a quarter is
three of them. Every step between months goes through ``tanzim.common.jalali.JalaliMonth``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import normalize_digits, to_persian_digits
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
    def first_month(self) -> JalaliMonth:
        return JalaliMonth.from_key(self.first)

    @property
    def last_month(self) -> JalaliMonth:
        return JalaliMonth.from_key(self.last)

    @property
    def code(self) -> str:
        first = self.first_month
        if self.kind == PeriodKind.QUARTER:
            return f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"
        return str(first)

    @property
    def label(self) -> str:
        language = get_language() or "fa"
        first = self.first_month
        if self.kind == PeriodKind.MONTH:
            return first.label(language)
        quarter = (first.month - 1) // 3
        if language.startswith("en"):
            return f"{QUARTER_NAMES_EN[quarter]} {first.year}"
        return f"{QUARTER_NAMES_FA[quarter]} {to_persian_digits(first.year)}"

    def previous(self) -> Period:
        step = 3 if self.kind == PeriodKind.QUARTER else 1
        return Period(self.kind, self.first_month.shift(-step).key, self.last_month.shift(-step).key)

    def jalali_months(self) -> list[JalaliMonth]:
        """Every month of the period, first to last."""
        first, last = self.first_month, self.last_month
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [first.shift(i) for i in range(max(0, count))]

    def months(self) -> list[int]:
        return [month.key for month in self.jalali_months()]

    def has_ended(self, now=None) -> bool:
        return JalaliMonth.of(now or timezone.now()).key > self.last


def of(kind: str, first: int, last: int) -> Period:
    return Period(kind, first, last)


def parse(value: object, *, field: str = "period") -> Period:
    """``1405-03`` (a month) or ``1405-Q2`` (a quarter), in any digit script; 400 otherwise."""
    text = normalize_digits(str(value or "")).strip()[:16]
    match = _QUARTER.fullmatch(text)
    if match:
        first = JalaliMonth(int(match[1]), (int(match[2]) - 1) * 3 + 1)
        return Period(PeriodKind.QUARTER, first.key, first.shift(2).key)
    try:
        month = JalaliMonth.parse(text, field=field)
    except DomainError:
        message = _("Enter a Jalali month such as 1405-03 or a quarter such as 1405-Q1.")
        raise DomainError(message, code="invalid_period", fields={field: [message]}) from None
    return Period(PeriodKind.MONTH, month.key, month.key)


def last_ended_month(now=None) -> Period:
    month = JalaliMonth.of(now or timezone.now()).previous()
    return Period(PeriodKind.MONTH, month.key, month.key)
