"""Solar Hijri (Jalali) dates: conversion, display, parsing and month ranges.

The database stores Gregorian dates and UTC instants; people see and type Jalali dates in
Tehran time. Converting an aware datetime always goes through Asia/Tehran first, because
an evening UTC instant is already the next day in Tehran (UTC+3:30). Nothing here reads
Django settings, so it is safe at import time and in plain scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeAlias
from zoneinfo import ZoneInfo

import jdatetime
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.common.normalize import normalize_text, to_persian_digits

__all__ = [
    "MONTH_NAMES_EN",
    "MONTH_NAMES_FA",
    "TEHRAN",
    "WEEKDAY_NAMES_FA",
    "WEEK_ORDER",
    "JalaliMonth",
    "format_jalali",
    "jalali_month_bounds_utc",
    "jalali_month_range",
    "jalali_year_month",
    "parse_jalali",
    "tehran_date",
    "to_jalali_date",
    "weekday_name_fa",
]

TEHRAN = ZoneInfo("Asia/Tehran")

MONTH_NAMES_FA: tuple[str, ...] = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTH_NAMES_EN: tuple[str, ...] = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
# Indexed by Python's ``date.weekday()`` (Monday = 0), like WorkingCalendar's weekend.
WEEKDAY_NAMES_FA: tuple[str, ...] = (
    "دوشنبه",
    "سه‌شنبه",
    "چهارشنبه",
    "پنج‌شنبه",
    "جمعه",
    "شنبه",
    "یکشنبه",
)
# Python weekday numbers in the order of the Iranian week (Saturday first), for calendars.
WEEK_ORDER: tuple[int, ...] = (5, 6, 0, 1, 2, 3, 4)

_JALALI_INPUT = re.compile(r"([0-9]{4})([/\-])([0-9]{1,2})\2([0-9]{1,2})")

DateLike: TypeAlias = date | datetime | jdatetime.date | jdatetime.datetime


def tehran_date(value: date | datetime) -> date:
    """The calendar day of a value in Tehran: aware datetimes are converted, naive ones trusted."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(TEHRAN)
        return value.date()
    return value


def to_jalali_date(value: date | datetime) -> jdatetime.date:
    """The Jalali date of a Gregorian date, or of an instant as seen in Tehran."""
    return jdatetime.date.fromgregorian(date=tehran_date(value))


def _tehran_time(value: datetime) -> time:
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(TEHRAN)
    return value.time()


def format_jalali(
    value: DateLike | None,
    *,
    with_time: bool = False,
    persian_digits: bool = True,
    long: bool = False,
) -> str:
    """Display a date as ``1404/01/05`` (or ``5 فروردین 1404`` with ``long``).

    ``with_time`` appends ``HH:MM`` in Tehran time and only applies to datetimes; a plain
    date is shown without a time. ``None`` gives ``""`` so templates need no guard.
    """
    if value is None:
        return ""
    clock: time | None = None
    if isinstance(value, jdatetime.datetime):
        jdate = value.date()
        clock = value.time() if with_time else None
    elif isinstance(value, jdatetime.date):
        jdate = value
    else:
        jdate = to_jalali_date(value)
        if with_time and isinstance(value, datetime):
            clock = _tehran_time(value)
    if long:
        text = f"{jdate.day} {MONTH_NAMES_FA[jdate.month - 1]} {jdate.year}"
    else:
        text = f"{jdate.year:04d}/{jdate.month:02d}/{jdate.day:02d}"
    if clock is not None:
        text = f"{text} {clock.hour:02d}:{clock.minute:02d}"
    return to_persian_digits(text) if persian_digits else text


def _invalid_date(value: object) -> ValidationError:
    return ValidationError(
        _("Enter a valid Jalali date such as 1404/01/05."),
        code="invalid_jalali_date",
        params={"value": value},
    )


def parse_jalali(value: str) -> date:
    """Read a typed Jalali date (``1404/1/5``, ``1404-01-05``, any digit script) as a Gregorian date."""
    if not isinstance(value, str):
        raise _invalid_date(value)
    match = _JALALI_INPUT.fullmatch(normalize_text(value[:64]))
    if match is None:
        raise _invalid_date(value)
    year, month, day = int(match[1]), int(match[3]), int(match[4])
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
    except (ValueError, OverflowError) as exc:
        raise _invalid_date(value) from exc
    return gregorian


def _check_month(year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"Jalali month must be 1..12, got {month}.")
    if not 1 <= year < jdatetime.MAXYEAR:
        raise ValueError(f"Jalali year out of range: {year}.")


def jalali_month_range(year: int, month: int) -> tuple[date, date]:
    """Gregorian first day of a Jalali month and first day of the next (end exclusive).

    Half-open ranges make ``start <= d < end`` queries exact whatever the month length.
    """
    _check_month(year, month)
    start = jdatetime.date(year, month, 1).togregorian()
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = jdatetime.date(next_year, next_month, 1).togregorian()
    return start, end


def jalali_month_bounds_utc(year: int, month: int) -> tuple[datetime, datetime]:
    """UTC instants of Tehran midnight opening and closing a Jalali month, for timestamp queries."""
    start, end = jalali_month_range(year, month)
    return (
        datetime.combine(start, time(0), tzinfo=TEHRAN).astimezone(UTC),
        datetime.combine(end, time(0), tzinfo=TEHRAN).astimezone(UTC),
    )


def jalali_year_month(value: date | datetime) -> tuple[int, int]:
    """Jalali (year, month) of a date or instant in Tehran, for monthly reports."""
    jdate = to_jalali_date(value)
    return jdate.year, jdate.month


def weekday_name_fa(value: date | datetime) -> str:
    """Persian weekday name of a date or instant in Tehran."""
    return WEEKDAY_NAMES_FA[tehran_date(value).weekday()]


_MONTH_INPUT = re.compile(r"(1[3-4][0-9]{2})[-/ ]?(0?[1-9]|1[0-2])")


@dataclass(frozen=True, order=True)
class JalaliMonth:
    """One Jalali month: the unit of every monthly report, settlement and ranking period.

    Stored as its ``key``, the integer ``YYYYMM`` (``140503`` = Khordad 1405), which sorts and
    ranges like the months it names (``BETWEEN 140501 AND 140512`` is a year).
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        _check_month(self.year, self.month)

    @classmethod
    def of(cls, value: date | datetime) -> JalaliMonth:
        """The month of a date or instant (its Tehran calendar day)."""
        jdate = to_jalali_date(value)
        return cls(jdate.year, jdate.month)

    @classmethod
    def from_key(cls, key: int) -> JalaliMonth:
        return cls(*divmod(int(key), 100))

    @classmethod
    def parse(cls, value: object, *, field: str = "period") -> JalaliMonth:
        """Read ``1405-03``, ``1405/3``, ``140503`` in any digit script; a 400 otherwise."""
        from tanzim.common.errors import DomainError
        from tanzim.common.normalize import normalize_digits

        text = normalize_digits(str(value if value is not None else "")).strip()[:16]
        match = _MONTH_INPUT.fullmatch(text)
        if match is None:
            message = _("Enter a Jalali month such as 1405-03.")
            raise DomainError(message, code="invalid_period", fields={field: [message]})
        return cls(int(match[1]), int(match[2]))

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    def shift(self, months: int) -> JalaliMonth:
        """The month ``months`` later (negative: earlier)."""
        index = self.year * 12 + (self.month - 1) + months
        return JalaliMonth(index // 12, index % 12 + 1)

    def next(self) -> JalaliMonth:
        return self.shift(1)

    def previous(self) -> JalaliMonth:
        return self.shift(-1)

    def date_range(self) -> tuple[date, date]:
        """Gregorian first day of the month and of the next one (end exclusive)."""
        return jalali_month_range(self.year, self.month)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """UTC instants of Tehran midnight opening and closing the month."""
        return jalali_month_bounds_utc(self.year, self.month)

    def label(self, language: str = "fa") -> str:
        """``Khordad 1405`` / ``خرداد ۱۴۰۵``."""
        if language.startswith("en"):
            return f"{MONTH_NAMES_EN[self.month - 1]} {self.year}"
        return f"{MONTH_NAMES_FA[self.month - 1]} {to_persian_digits(self.year)}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
