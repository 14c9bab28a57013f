"""Jalali conversion, display, parsing and month ranges in Tehran time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tanzim.common.jalali import (
    MONTH_NAMES_EN,
    MONTH_NAMES_FA,
    TEHRAN,
    WEEK_ORDER,
    WEEKDAY_NAMES_FA,
    format_jalali,
    jalali_month_bounds_utc,
    jalali_month_range,
    jalali_year_month,
    parse_jalali,
    to_jalali_date,
    weekday_name_fa,
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


def test_nowruz_1404_falls_on_21_march_2025() -> None:
    assert to_jalali_date(date(2025, 3, 21)) == jdatetime.date(1404, 1, 1)


def test_nowruz_1405_falls_on_21_march_2026() -> None:
    assert to_jalali_date(date(2026, 3, 21)) == jdatetime.date(1405, 1, 1)


def test_the_esfand_leap_day_of_1403_is_20_march_2025() -> None:
    assert jdatetime.date(1403, 1, 1).isleap()
    assert parse_jalali("1403/12/30") == date(2025, 3, 20)


def test_a_late_evening_utc_instant_is_already_the_next_day_in_tehran() -> None:
    instant = datetime(2025, 3, 20, 21, 0, tzinfo=UTC)  # 00:30 on 21 March in Tehran
    assert to_jalali_date(instant) == jdatetime.date(1404, 1, 1)
    assert jalali_year_month(instant) == (1404, 1)
    assert format_jalali(instant, with_time=True, persian_digits=False) == "1404/01/01 00:30"


def test_a_naive_datetime_is_taken_as_tehran_local_time() -> None:
    assert to_jalali_date(datetime(2025, 3, 20, 23, 59)) == jdatetime.date(1403, 12, 30)


def test_it_formats_short_dates_with_persian_digits_by_default() -> None:
    assert format_jalali(date(2025, 3, 25)) == "۱۴۰۴/۰۱/۰۵"
    assert format_jalali(date(2025, 3, 25), persian_digits=False) == "1404/01/05"


def test_it_formats_times_in_tehran() -> None:
    instant = datetime(2025, 3, 25, 11, 0, tzinfo=UTC)
    assert format_jalali(instant, with_time=True, persian_digits=False) == "1404/01/05 14:30"
    assert format_jalali(instant, with_time=True) == "۱۴۰۴/۰۱/۰۵ ۱۴:۳۰"
    assert format_jalali(instant, persian_digits=False) == "1404/01/05"


def test_it_ignores_with_time_for_plain_dates() -> None:
    assert format_jalali(date(2025, 3, 25), with_time=True, persian_digits=False) == "1404/01/05"


def test_it_formats_long_dates_with_persian_month_names() -> None:
    assert format_jalali(date(2025, 3, 25), long=True, persian_digits=False) == "5 فروردین 1404"
    assert format_jalali(date(2025, 3, 25), long=True) == "۵ فروردین ۱۴۰۴"


def test_it_formats_jalali_values_as_they_are() -> None:
    assert format_jalali(jdatetime.date(1404, 1, 5), persian_digits=False) == "1404/01/05"
    moment = jdatetime.datetime(1404, 1, 5, 9, 7)
    assert format_jalali(moment, with_time=True, persian_digits=False) == "1404/01/05 09:07"


def test_it_formats_none_as_an_empty_string() -> None:
    assert format_jalali(None) == ""


@pytest.mark.parametrize(
    "typed",
    ["1404/1/5", "1404/01/05", "1404-01-05", "1404-1-5", "۱۴۰۴/۰۱/۰۵", "١٤٠٤/٠١/٠٥", " 1404/01/05\u200f "],
)
def test_it_parses_the_usual_ways_of_typing_a_date(typed: str) -> None:
    assert parse_jalali(typed) == date(2025, 3, 25)


@pytest.mark.parametrize(
    "typed",
    ["", "1404/13/01", "1404/12/30", "1404/00/10", "1404/07/31", "04/01/05", "1404/01-05", "1404.01.05", "x"],
)
def test_it_rejects_impossible_or_malformed_dates(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_jalali(typed)
    assert info.value.code == "invalid_jalali_date"


def test_it_rejects_non_strings_as_invalid_dates() -> None:
    with pytest.raises(ValidationError):
        parse_jalali(None)  # type: ignore[arg-type]


def test_it_gives_the_gregorian_range_of_a_jalali_month() -> None:
    assert jalali_month_range(1404, 1) == (date(2025, 3, 21), date(2025, 4, 21))
    assert jalali_month_range(1403, 12) == (date(2025, 2, 19), date(2025, 3, 21))


def test_it_gives_month_bounds_at_tehran_midnight_in_utc() -> None:
    start, end = jalali_month_bounds_utc(1404, 1)
    assert start == datetime(2025, 3, 20, 20, 30, tzinfo=UTC)
    assert end == datetime(2025, 4, 20, 20, 30, tzinfo=UTC)
    assert start.astimezone(TEHRAN).hour == 0


def test_it_refuses_month_numbers_outside_1_to_12() -> None:
    with pytest.raises(ValueError):
        jalali_month_range(1404, 13)
    with pytest.raises(ValueError):
        jalali_month_bounds_utc(1404, 0)


def test_it_names_months_and_weekdays() -> None:
    assert len(MONTH_NAMES_FA) == len(MONTH_NAMES_EN) == 12
    assert MONTH_NAMES_EN[0] == "Farvardin"
    assert MONTH_NAMES_EN[-1] == "Esfand"
    assert MONTH_NAMES_FA[11] == "اسفند"
    assert weekday_name_fa(date(2025, 3, 21)) == "جمعه"  # Nowruz 1404 was a Friday
    assert WEEKDAY_NAMES_FA[WEEK_ORDER[0]] == "شنبه"
    assert WEEKDAY_NAMES_FA[WEEK_ORDER[-1]] == "جمعه"


@given(dates, st.booleans())
def test_formatting_then_parsing_gives_the_same_date(value: date, persian: bool) -> None:
    assert parse_jalali(format_jalali(value, persian_digits=persian)) == value


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)))
def test_an_instant_belongs_to_the_jalali_month_whose_utc_bounds_contain_it(instant: datetime) -> None:
    year, month = jalali_year_month(instant)
    start, end = jalali_month_bounds_utc(year, month)
    assert start <= instant < end


@given(dates)
def test_month_ranges_tile_the_calendar_without_gaps(value: date) -> None:
    year, month = jalali_year_month(value)
    start, end = jalali_month_range(year, month)
    assert start <= value < end
    assert 29 <= (end - start).days <= 31
    assert to_jalali_date(start).day == 1
    assert to_jalali_date(end - timedelta(days=1)).month == month
