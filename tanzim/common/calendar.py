"""Working days of Iranian offices and courts.

The week runs Saturday to Wednesday, Thursday is often a half day and Friday is closed.
Official holidays change every year (the lunar ones move), so they are passed in as data
(an administrator edits them); this class only does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from tanzim.common.jalali import tehran_date

__all__ = ["WorkingCalendar"]

FRIDAY = 4
THURSDAY = 3
_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Answers "is this a working day" and counts working days.

    ``weekend`` and ``half_days`` hold Python weekday numbers (Monday = 0, Friday = 4).
    Half days count as working days; they are kept for display and scheduling.
    Datetimes are accepted anywhere a date is and mean their day in Tehran.
    """

    __slots__ = ("half_days", "holidays", "weekend")

    def __init__(
        self,
        holidays: Iterable[date] = (),
        weekend: frozenset[int] = frozenset({FRIDAY}),
        half_days: frozenset[int] = frozenset({THURSDAY}),
    ) -> None:
        weekend = frozenset(weekend)
        half_days = frozenset(half_days)
        if not weekend <= set(range(7)) or not half_days <= set(range(7)):
            raise ValueError("Weekdays must be numbers 0 (Monday) to 6 (Sunday).")
        if len(weekend) == 7:
            raise ValueError("A calendar needs at least one working weekday.")
        self.holidays: frozenset[date] = frozenset(tehran_date(d) for d in holidays)
        self.weekend: frozenset[int] = weekend
        self.half_days: frozenset[int] = half_days

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(holidays=<{len(self.holidays)} days>, weekend={sorted(self.weekend)}, "
            f"half_days={sorted(self.half_days)})"
        )

    def is_working_day(self, d: date) -> bool:
        """True unless ``d`` falls on the weekend or an official holiday."""
        d = tehran_date(d)
        return d.weekday() not in self.weekend and d not in self.holidays

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
        count -= sum(1 for h in self.holidays if a < h <= b and h.weekday() not in self.weekend)
        return count
