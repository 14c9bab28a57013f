"""Working days of Iranian offices and courts.

The week runs Saturday to Wednesday, Thursday is often a half day and Friday is closed.
Fixed solar holidays are law and are generated for any year. The lunar ones move about eleven
days a year, so they are data (an administrator enters and confirms each year's table); a
computation that reaches a Jalali year whose lunar table is missing or only estimated can ask
``unconfirmed_years`` and must say so rather than treat a possible holiday as a working day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import cache

import jdatetime

from tanzim.common.jalali import tehran_date, to_jalali_date

__all__ = [
    "CONFIRMED",
    "ESTIMATED",
    "FIXED_SOLAR_HOLIDAYS",
    "MISSING",
    "WorkingCalendar",
    "fixed_solar_holidays",
]

#: (month, day) of the official holidays fixed in the solar calendar: Nowruz (1–4 Farvardin),
#: Islamic Republic Day and Nature Day (12–13 Farvardin), 14–15 Khordad, 22 Bahman, 29 Esfand.
FIXED_SOLAR_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 12),
    (1, 13),
    (3, 14),
    (3, 15),
    (11, 22),
    (12, 29),
)
# How far a year's lunar holidays are known.
CONFIRMED, ESTIMATED, MISSING = "confirmed", "estimated", "missing"


@cache
def fixed_solar_holidays(jalali_year: int) -> frozenset[date]:
    """The Gregorian dates of a Jalali year's fixed solar holidays."""
    return frozenset(jdatetime.date(jalali_year, m, d).togregorian() for m, d in FIXED_SOLAR_HOLIDAYS)


@cache
def _fixed_in_gregorian_year(year: int) -> frozenset[date]:
    # A Gregorian year overlaps two Jalali years (Nowruz falls on 20 or 21 March).
    both = fixed_solar_holidays(year - 622) | fixed_solar_holidays(year - 621)
    return frozenset(d for d in both if d.year == year)


FRIDAY = 4
THURSDAY = 3
_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Answers "is this a working day" and counts working days.

    ``weekend`` and ``half_days`` hold Python weekday numbers (Monday = 0, Friday = 4).
    Half days count as working days; they are kept for display and scheduling.
    Datetimes are accepted anywhere a date is and mean their day in Tehran.
    """

    __slots__ = ("half_days", "holidays", "lunar_years", "weekend")

    def __init__(
        self,
        holidays: Iterable[date] = (),
        weekend: frozenset[int] = frozenset({FRIDAY}),
        half_days: frozenset[int] = frozenset({THURSDAY}),
        lunar_years: Mapping[int, str] | None = None,
    ) -> None:
        """``lunar_years``: Jalali year → ``CONFIRMED`` or ``ESTIMATED`` for the years whose lunar
        holidays are in ``holidays``; a year not listed is ``MISSING``. ``None`` trusts every year
        (a calendar built by hand, as in tests of the arithmetic)."""
        weekend = frozenset(weekend)
        half_days = frozenset(half_days)
        if not weekend <= set(range(7)) or not half_days <= set(range(7)):
            raise ValueError("Weekdays must be numbers 0 (Monday) to 6 (Sunday).")
        if len(weekend) == 7:
            raise ValueError("A calendar needs at least one working weekday.")
        self.holidays: frozenset[date] = frozenset(tehran_date(d) for d in holidays)
        self.weekend: frozenset[int] = weekend
        self.half_days: frozenset[int] = half_days
        self.lunar_years: Mapping[int, str] | None = dict(lunar_years) if lunar_years is not None else None

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(holidays=<{len(self.holidays)} days>, weekend={sorted(self.weekend)}, "
            f"half_days={sorted(self.half_days)})"
        )

    def is_working_day(self, d: date) -> bool:
        """True unless ``d`` falls on the weekend or an official holiday."""
        d = tehran_date(d)
        return d.weekday() not in self.weekend and not self.is_holiday(d)

    def is_holiday(self, d: date) -> bool:
        """An official holiday: in the table, or a fixed solar holiday of any year."""
        d = tehran_date(d)
        return d in self.holidays or d in _fixed_in_gregorian_year(d.year)

    def lunar_status(self, jalali_year: int) -> str:
        if self.lunar_years is None:
            return CONFIRMED
        return self.lunar_years.get(jalali_year, MISSING)

    def unconfirmed_years(self, a: date, b: date) -> list[tuple[int, str]]:
        """Jalali years from ``a`` to ``b`` whose lunar holidays are not confirmed, with their status.

        Empty when every day in between is known to be working or not.
        """
        first, last = sorted((to_jalali_date(tehran_date(a)).year, to_jalali_date(tehran_date(b)).year))
        statuses = ((year, self.lunar_status(year)) for year in range(first, last + 1))
        return [(year, status) for year, status in statuses if status != CONFIRMED]

    def is_half_day(self, d: date) -> bool:
        """True for a working day with short hours (Thursday by default)."""
        d = tehran_date(d)
        return self.is_working_day(d) and d.weekday() in self.half_days

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, otherwise the first working day after it."""
        d = tehran_date(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself for ``n == 0``, working or not)."""
        if n < 0:
            raise ValueError("n must not be negative.")
        d = tehran_date(d)
        for _step in range(n):
            d = self.next_working_day(d + _ONE_DAY)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

        The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        a, b = tehran_date(a), tehran_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        span = (b - a).days
        weeks, rest = divmod(span, 7)
        count = weeks * (7 - len(self.weekend))
        day = a
        for _step in range(rest):
            day += _ONE_DAY
            if day.weekday() not in self.weekend:
                count += 1
        holidays = set(self.holidays)
        for year in range(a.year, b.year + 1):
            holidays |= _fixed_in_gregorian_year(year)
        count -= sum(1 for h in holidays if a < h <= b and h.weekday() not in self.weekend)
        return count
