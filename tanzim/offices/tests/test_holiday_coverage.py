"""Holidays beyond the table (art. 444 CPC): fixed solar holidays for any year, and a calendar that
says when a year's lunar holidays are missing or only estimated instead of guessing silently."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache

from tanzim.common.calendar import CONFIRMED, ESTIMATED, MISSING, WorkingCalendar, fixed_solar_holidays
from tanzim.common.deadlines import legal_deadline
from tanzim.common.jalali import parse_jalali
from tanzim.offices.choices import HolidayKind
from tanzim.offices.models import Holiday
from tanzim.offices.selectors import CALENDAR_CACHE_KEY, working_calendar


def test_art_444_a_deadline_reaching_nowruz_1406_moves_past_it_without_a_1406_table(db):
    # Notice 1405/12/09, 20 days (art. 443), neither day counted (art. 445): the period ends on
    # 1406/01/01; Nowruz runs to 1406/01/04, so the last day is 1406/01/05 (art. 444).
    calendar = working_calendar()
    due = legal_deadline(notice_date=parse_jalali("1405/12/09"), days=20, calendar=calendar)
    assert due == parse_jalali("1406/01/05")


def test_fixed_solar_holidays_are_generated_for_any_year():
    days = fixed_solar_holidays(1410)
    assert parse_jalali("1410/01/01") in days
    assert parse_jalali("1410/01/13") in days
    assert parse_jalali("1410/03/14") in days
    assert parse_jalali("1410/11/22") in days
    assert parse_jalali("1410/12/29") in days
    assert len(days) == 10
    assert not WorkingCalendar().is_working_day(parse_jalali("1410/03/15"))


def test_booking_days_beyond_the_table_never_fall_on_nowruz(db):
    calendar = working_calendar()
    nowruz_1406 = [parse_jalali(f"1406/01/{day:02d}") for day in (1, 2, 3, 4, 12, 13)]
    assert not any(calendar.is_working_day(day) for day in nowruz_1406)
    assert calendar.is_holiday(nowruz_1406[0])


def test_a_year_without_a_lunar_table_is_reported_as_missing(db):
    calendar = working_calendar()
    assert calendar.lunar_status(1406) == MISSING
    assert (1406, MISSING) in calendar.unconfirmed_years(
        parse_jalali("1405/12/09"), parse_jalali("1406/01/05")
    )


def test_a_year_whose_lunar_dates_are_estimated_says_so_until_confirmed(db):
    Holiday.objects.filter(
        date__gte=parse_jalali("1405/01/01"), date__lte=parse_jalali("1405/12/29")
    ).delete()
    Holiday.objects.create(
        date=parse_jalali("1405/05/03"),
        name_fa="تاسوعا",
        name_en="Tasua",
        kind=HolidayKind.LUNAR,
        estimated=True,
    )
    cache.delete(CALENDAR_CACHE_KEY)
    assert working_calendar().lunar_status(1405) == ESTIMATED
    Holiday.objects.filter(kind=HolidayKind.LUNAR, date=parse_jalali("1405/05/03")).update(estimated=False)
    cache.delete(CALENDAR_CACHE_KEY)
    assert working_calendar().lunar_status(1405) == CONFIRMED
    assert working_calendar().unconfirmed_years(parse_jalali("1405/02/01"), parse_jalali("1405/11/01")) == []


def test_a_calendar_built_by_hand_trusts_every_year():
    assert (
        WorkingCalendar(holidays=[date(2030, 1, 1)]).unconfirmed_years(date(2030, 1, 1), date(2031, 6, 1))
        == []
    )
