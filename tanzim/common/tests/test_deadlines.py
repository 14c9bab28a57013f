"""Working calendar and Civil Procedure Code deadlines (arts. 443-446)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule, legal_deadline, period_days
from tanzim.common.jalali import parse_jalali

FRIDAY = 4
NO_HOLIDAYS = WorkingCalendar(holidays=())
# 1-4 Farvardin 1405 (21-24 March 2026, Saturday to Tuesday), passed as data.
NOWRUZ_1405 = WorkingCalendar(holidays=[parse_jalali(f"1405/01/0{day}") for day in range(1, 5)])

notice_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
holiday_sets = st.frozensets(notice_dates, max_size=40)


# --- calendar --------------------------------------------------------------------------


def test_friday_is_the_only_weekend_day_by_default() -> None:
    week = [date(2025, 5, 3) + timedelta(days=i) for i in range(7)]  # Saturday to Friday
    assert [NO_HOLIDAYS.is_working_day(d) for d in week] == [True] * 6 + [False]


def test_thursday_is_a_working_half_day() -> None:
    thursday = date(2025, 5, 8)
    assert NO_HOLIDAYS.is_working_day(thursday)
    assert NO_HOLIDAYS.is_half_day(thursday)
    assert not NO_HOLIDAYS.is_half_day(date(2025, 5, 7))


def test_holidays_passed_as_data_are_not_working_days() -> None:
    assert not NOWRUZ_1405.is_working_day(date(2026, 3, 21))
    assert NOWRUZ_1405.next_working_day(date(2026, 3, 20)) == date(2026, 3, 25)


def test_next_working_day_returns_a_working_day_itself() -> None:
    assert NO_HOLIDAYS.next_working_day(date(2025, 5, 7)) == date(2025, 5, 7)


def test_adding_working_days_skips_fridays_and_holidays() -> None:
    wednesday = date(2025, 5, 7)
    assert NO_HOLIDAYS.add_working_days(wednesday, 0) == wednesday
    assert NO_HOLIDAYS.add_working_days(wednesday, 1) == date(2025, 5, 8)
    assert NO_HOLIDAYS.add_working_days(wednesday, 2) == date(2025, 5, 10)  # Friday skipped
    assert NOWRUZ_1405.add_working_days(date(2026, 3, 18), 2) == date(2026, 3, 25)


def test_adding_negative_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        NO_HOLIDAYS.add_working_days(date(2025, 5, 7), -1)


def test_it_counts_working_days_after_the_first_date_up_to_the_second() -> None:
    assert NO_HOLIDAYS.working_days_between(date(2025, 5, 7), date(2025, 5, 10)) == 2
    assert NO_HOLIDAYS.working_days_between(date(2025, 5, 10), date(2025, 5, 7)) == -2
    assert NOWRUZ_1405.working_days_between(date(2026, 3, 19), date(2026, 3, 25)) == 1


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(weekend=frozenset(range(7)))
    with pytest.raises(ValueError):
        WorkingCalendar(weekend=frozenset({7}))


def test_an_aware_datetime_means_its_day_in_tehran() -> None:
    # 22:00 UTC on Thursday is 01:30 on Friday in Tehran.
    assert not NO_HOLIDAYS.is_working_day(datetime(2025, 5, 8, 22, 0, tzinfo=UTC))


@given(notice_dates, holiday_sets, st.integers(min_value=0, max_value=60))
def test_working_days_between_undoes_add_working_days(start: date, holidays: frozenset, n: int) -> None:
    calendar = WorkingCalendar(holidays)
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n
    if n:
        assert calendar.is_working_day(end)


@given(notice_dates, notice_dates, holiday_sets)
def test_working_days_between_matches_counting_day_by_day(a: date, b: date, holidays: frozenset) -> None:
    calendar = WorkingCalendar(holidays, weekend=frozenset({4, 3}))
    lo, hi = min(a, b), max(a, b)
    days = (lo + timedelta(days=i) for i in range(1, (hi - lo).days + 1))
    expected = sum(1 for d in days if calendar.is_working_day(d))
    assert calendar.working_days_between(a, b) == (expected if b >= a else -expected)


# --- deadlines -------------------------------------------------------------------------


def test_neither_the_day_of_notice_nor_the_day_of_action_counts() -> None:
    # A 20-day appeal notified on 15 Farvardin 1403 runs 16 Farvardin - 4 Ordibehesht;
    # the appeal may still be filed on 5 Ordibehesht (art. 445).
    notice = parse_jalali("1403/01/15")
    due = legal_deadline(notice_date=notice, days=20, calendar=NO_HOLIDAYS)
    assert due == parse_jalali("1403/02/05")


def test_the_strict_reading_ends_on_the_last_counted_day() -> None:
    notice = parse_jalali("1403/01/15")
    due = legal_deadline(notice_date=notice, days=20, calendar=NO_HOLIDAYS, free_period=False)
    assert due == parse_jalali("1403/02/04")


def test_a_ten_day_period_ending_on_friday_moves_to_saturday() -> None:
    monday = date(2025, 5, 5)  # with the action day excluded, the last day is Friday 16 May
    assert legal_deadline(notice_date=monday, days=10, calendar=NO_HOLIDAYS) == date(2025, 5, 17)
    tuesday = date(2025, 5, 6)  # strict reading: Tuesday + 10 days is the same Friday
    strict = legal_deadline(notice_date=tuesday, days=10, calendar=NO_HOLIDAYS, free_period=False)
    assert strict == date(2025, 5, 17)


def test_a_deadline_in_the_nowruz_holidays_moves_past_them() -> None:
    notice = date(2026, 3, 11)  # Wednesday; 10 days + the action day lands on 2 Farvardin 1405
    assert legal_deadline(notice_date=notice, days=10, calendar=NOWRUZ_1405) == date(2026, 3, 25)
    # Nowruz is fixed in the solar calendar: a calendar with an empty table knows it too.
    assert not NO_HOLIDAYS.is_working_day(date(2026, 3, 22))
    assert legal_deadline(notice_date=notice, days=10, calendar=NO_HOLIDAYS) == date(2026, 3, 25)


def test_a_month_counts_as_thirty_days() -> None:
    notice = parse_jalali("1404/06/10")  # Shahrivar has 31 days; the month still counts 30
    by_month = legal_deadline(notice_date=notice, months=1, calendar=NO_HOLIDAYS)
    assert by_month == legal_deadline(notice_date=notice, days=30, calendar=NO_HOLIDAYS)
    assert period_days(months=1) == 30
    assert period_days(years=1) == 360


def test_residents_abroad_get_sixty_days_where_residents_get_less() -> None:
    notice = date(2025, 5, 6)
    abroad = legal_deadline(notice_date=notice, days=20, calendar=NO_HOLIDAYS, resident_abroad=True)
    assert abroad == legal_deadline(notice_date=notice, days=60, calendar=NO_HOLIDAYS)
    assert period_days(days=20, resident_abroad=True) == 60


def test_residents_abroad_keep_a_longer_period() -> None:
    assert period_days(months=3, resident_abroad=True) == 90
    assert period_days(days=20, resident_abroad=True, abroad_months=0) == 20


def test_negative_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        legal_deadline(notice_date=date(2025, 5, 6), days=-1, calendar=NO_HOLIDAYS)
    with pytest.raises(ValueError):
        legal_deadline(notice_date=date(2025, 5, 6), months=-1, calendar=NO_HOLIDAYS)
    with pytest.raises(ValueError):
        legal_deadline(notice_date=date(2025, 5, 6), days=1, calendar=NO_HOLIDAYS, abroad_months=-2)


def test_a_deadline_rule_is_frozen_configuration() -> None:
    appeal = DeadlineRule(days=20)
    notice = parse_jalali("1403/01/15")
    assert appeal.due(notice, NO_HOLIDAYS) == parse_jalali("1403/02/05")
    assert appeal.due(notice, NO_HOLIDAYS, resident_abroad=True) == legal_deadline(
        notice_date=notice, days=60, calendar=NO_HOLIDAYS
    )
    assert appeal.period_days(resident_abroad=True) == 60
    with pytest.raises(AttributeError):
        appeal.days = 10  # type: ignore[misc]


def test_a_deadline_rule_with_negative_numbers_is_refused_when_configured() -> None:
    with pytest.raises(ValueError):
        DeadlineRule(days=-5)


@given(
    notice_dates,
    holiday_sets,
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=14),
    st.booleans(),
    st.booleans(),
)
def test_the_deadline_is_the_first_working_day_not_before_the_period_end(
    notice: date, holidays: frozenset, days: int, months: int, abroad: bool, free: bool
) -> None:
    calendar = WorkingCalendar(holidays)
    due = legal_deadline(
        notice_date=notice,
        days=days,
        months=months,
        calendar=calendar,
        resident_abroad=abroad,
        free_period=free,
    )
    period = days + 30 * months
    earliest = notice + timedelta(days=period_days(days=days, months=months, resident_abroad=abroad))
    assert calendar.is_working_day(due)
    assert due >= notice + timedelta(days=period)
    if free:
        earliest += timedelta(days=1)
    assert due >= earliest
    assert all(
        not calendar.is_working_day(earliest + timedelta(days=i)) for i in range((due - earliest).days)
    )


@given(notice_dates, holiday_sets, st.integers(min_value=0, max_value=100))
def test_a_longer_period_never_ends_earlier(notice: date, holidays: frozenset, days: int) -> None:
    calendar = WorkingCalendar(holidays)
    shorter = legal_deadline(notice_date=notice, days=days, calendar=calendar)
    longer = legal_deadline(notice_date=notice, days=days + 1, calendar=calendar)
    assert shorter <= longer
