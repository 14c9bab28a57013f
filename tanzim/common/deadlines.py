"""Legal deadlines under the Civil Procedure Code (ق.آ.د.م), arts. 443-446.

- Art. 443: a month is 30 days and a year 12 months, whatever the calendar month's length.
- Art. 445: for a period running from a notice, neither the day of notice nor the day of
  the action counts. The period therefore starts the day after notice, and because the
  day of the action is outside it, the action is still in time on the day after the
  period's last day (a "free" period, موعد خالص: a 20-day appeal notified on 15 Farvardin
  runs 16 Farvardin to 4 Ordibehesht and may be filed on 5 Ordibehesht). Pass
  ``free_period=False`` for the stricter reading where the last counted day is the last
  day for the action.
- Art. 444: when the last day is a holiday or the courts are closed, it moves to the next
  working day.
- Art. 446: residents abroad get two months where residents get less. Which deadlines this
  covers is to be verified per deadline, so it is a field of :class:`DeadlineRule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.jalali import tehran_date

__all__ = ["DAYS_PER_MONTH", "MONTHS_PER_YEAR", "DeadlineRule", "legal_deadline", "period_days"]

DAYS_PER_MONTH = 30  # art. 443
MONTHS_PER_YEAR = 12  # art. 443


def period_days(
    *, days: int = 0, months: int = 0, years: int = 0, resident_abroad: bool = False, abroad_months: int = 2
) -> int:
    """Length of a period in days (art. 443), lengthened for residents abroad (art. 446)."""
    for name, number in (
        ("days", days),
        ("months", months),
        ("years", years),
        ("abroad_months", abroad_months),
    ):
        if number < 0:
            raise ValueError(f"{name} must not be negative, got {number}.")
    total = days + (months + years * MONTHS_PER_YEAR) * DAYS_PER_MONTH
    if resident_abroad:
        total = max(total, abroad_months * DAYS_PER_MONTH)
    return total


def legal_deadline(
    *,
    notice_date: date,
    days: int = 0,
    months: int = 0,
    years: int = 0,
    calendar: WorkingCalendar,
    resident_abroad: bool = False,
    abroad_months: int = 2,
    free_period: bool = True,
) -> date:
    """The last day on which an action running from ``notice_date`` is still in time.

    Always a working day of ``calendar`` and never earlier than ``notice_date`` plus the
    period. See the module docstring for the articles applied.
    """
    total = period_days(
        days=days, months=months, years=years, resident_abroad=resident_abroad, abroad_months=abroad_months
    )
    last_day = tehran_date(notice_date) + timedelta(days=total + (1 if free_period else 0))
    return calendar.next_working_day(last_day)


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A configured legal period (e.g. appeal: 20 days, 2 months abroad).

    ``abroad_months=0`` means the period is the same for residents abroad.
    """

    days: int = 0
    months: int = 0
    abroad_months: int = 2
    years: int = 0
    free_period: bool = True

    def __post_init__(self) -> None:
        # Fail when the configuration is loaded, not when a deadline is first computed.
        self.period_days()

    def period_days(self, resident_abroad: bool = False) -> int:
        """Length of the period in days for this party."""
        return period_days(
            days=self.days,
            months=self.months,
            years=self.years,
            resident_abroad=resident_abroad,
            abroad_months=self.abroad_months,
        )

    def due(self, notice_date: date, calendar: WorkingCalendar, resident_abroad: bool = False) -> date:
        """The last day for the action, for a notice served on ``notice_date``."""
        return legal_deadline(
            notice_date=notice_date,
            days=self.days,
            months=self.months,
            years=self.years,
            calendar=calendar,
            resident_abroad=resident_abroad,
            abroad_months=self.abroad_months,
            free_period=self.free_period,
        )
