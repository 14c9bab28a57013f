"""Dates and times of appointments as people read them: Jalali, Tehran time, their language."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tanzim.common.formatting import abroad_zone, gregorian_date, zone_time
from tanzim.common.jalali import (
    MONTH_NAMES_EN,
    MONTH_NAMES_FA,
    TEHRAN,
    parse_jalali,
    to_jalali_date,
    weekday_name_fa,
)
from tanzim.common.normalize import normalize_digits, to_persian_digits

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The days a query may name: a day at the ends of Python's calendar (9999-12-31) has no next day
# and would crash a day's range; no appointment is that far away.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)

WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _persian(language: str | None) -> bool:
    return not (language or translation.get_language() or "fa").startswith("en")


def when_text(value: datetime, language: str | None = None) -> str:
    """``شنبه ۱۵ آذر ۱۴۰۵ ساعت ۱۰:۳۰`` or ``Saturday 15 Azar 1405, 10:30`` (Tehran time).

    A reader abroad reads it where they live and in Tehran: ``Friday 14 Azar 1405, 22:00 Berlin
    time (4 Dec 2026) · Saturday 15 Azar, 00:30 Tehran time``."""
    zone = abroad_zone()
    if zone is None:
        return _when(value, TEHRAN, language)
    here, there = value.astimezone(zone), value.astimezone(TEHRAN)
    tehran = clock_in(value, TEHRAN, language)
    if here.date() != there.date():
        tehran = f"{day_text(there, language)}{'' if _persian(language) else ','} {tehran}"
    return (
        f"{zone_time(_when(value, zone, language), zone, language)} ({gregorian_date(here.date(), language)})"
        f" · {zone_time(tehran, TEHRAN, language)}"
    )


def clock_in(value: datetime, zone, language: str | None = None) -> str:
    local = value.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d}"
    return to_persian_digits(text) if _persian(language) else text


def _when(value: datetime, zone, language: str | None) -> str:
    local = value.astimezone(zone).replace(tzinfo=None)  # the day where the reader is, not Tehran's
    jdate = to_jalali_date(local)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if _persian(language):
        month = MONTH_NAMES_FA[jdate.month - 1]
        return to_persian_digits(f"{weekday_name_fa(local)} {jdate.day} {month} {jdate.year} ساعت {clock}")
    month = MONTH_NAMES_EN[jdate.month - 1]
    return f"{WEEKDAY_NAMES_EN[local.weekday()]} {jdate.day} {month} {jdate.year}, {clock}"


def clock_text(value: datetime, language: str | None = None) -> str:
    """``۱۰:۳۰`` / ``10:30`` in Tehran time; a reader abroad also reads their own:
    ``10:30 Tehran time (08:00 Berlin time)``."""
    zone = abroad_zone()
    tehran = clock_in(value, TEHRAN, language)
    if zone is None:
        return tehran
    here = zone_time(clock_in(value, zone, language), zone, language)
    return f"{zone_time(tehran, TEHRAN, language)} ({here})"


def day_text(value, language: str | None = None) -> str:
    """``شنبه ۱۵ آذر`` / ``Saturday 15 Azar`` for a date or an instant in Tehran."""
    if isinstance(value, datetime):
        value = value.astimezone(TEHRAN)
    jdate = to_jalali_date(value)
    if _persian(language):
        return to_persian_digits(f"{weekday_name_fa(value)} {jdate.day} {MONTH_NAMES_FA[jdate.month - 1]}")
    return f"{WEEKDAY_NAMES_EN[value.weekday()]} {jdate.day} {MONTH_NAMES_EN[jdate.month - 1]}"


def number_text(value, language: str | None = None) -> str:
    return to_persian_digits(str(value)) if _persian(language) else str(value)


def parse_day(value: str | None) -> date | None:
    """A day typed as Jalali (``1405/09/28``, any digit script) or ISO Gregorian (``2026-12-19``).

    Years before 1700 are Jalali whatever the separator. Raises ValidationError on nonsense,
    and on a day outside ``FIRST_DAY`` … ``LAST_DAY``.
    """
    if value in (None, ""):
        return None
    text = normalize_digits(str(value).strip())[:32]
    if _ISO_DAY.fullmatch(text) and int(text[:4]) >= 1700:
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(_("Enter a valid date."), code="invalid_date") from exc
    else:
        day = parse_jalali(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(_("Enter a valid date."), code="invalid_date")
    return day
