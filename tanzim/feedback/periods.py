"""Reporting periods: a ``JalaliMonth`` stored as its key ``YYYYMM`` (``140503`` = Khordad 1405).

An integer sorts and ranges like the months it names, so ``period BETWEEN 140501 AND 140512``
is a Jalali year, and it is the column the survey metrics group and filter on.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import get_language

from tanzim.common.jalali import JalaliMonth


def period_of(value: date | datetime) -> int:
    """The period of a date or instant (Tehran calendar day)."""
    return JalaliMonth.of(value).key


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
    return JalaliMonth.parse(value, field=field).key


def shift(period: int, months: int) -> int:
    """The period ``months`` later (negative: earlier)."""
    return JalaliMonth.from_key(period).shift(months).key


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
    start, _end = JalaliMonth.from_key(first).bounds_utc()
    _start, end = JalaliMonth.from_key(last or first).bounds_utc()
    return start, end


def label(period: int, *, language: str | None = None) -> str:
    """``خرداد ۱۴۰۵`` in Persian pages, ``Khordad 1405`` in English ones."""
    return JalaliMonth.from_key(period).label(language or get_language() or "fa")


def code(period: int) -> str:
    """The period as typed in URLs and the API: ``1405-03``."""
    return str(JalaliMonth.from_key(period))
