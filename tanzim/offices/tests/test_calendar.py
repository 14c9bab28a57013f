"""The national working calendar: Fridays and the holiday table, cached until a holiday changes."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.urls import reverse

from tanzim.offices.models import Holiday
from tanzim.offices.selectors import CALENDAR_CACHE_KEY, working_calendar

NOWRUZ_1404 = date(2025, 3, 21)  # a Friday and a holiday
SECOND_OF_FARVARDIN = date(2025, 3, 22)  # a Saturday, a holiday
FIFTH_OF_FARVARDIN = date(2025, 3, 25)  # a Tuesday, an ordinary working day
ORDINARY_TUESDAY = date(2025, 5, 6)  # 1404/02/16
ORDINARY_FRIDAY = date(2025, 5, 9)


def test_fridays_are_not_working_days(db):
    calendar = working_calendar()

    assert ORDINARY_FRIDAY.weekday() == 4
    assert not calendar.is_working_day(ORDINARY_FRIDAY)
    assert calendar.is_working_day(ORDINARY_TUESDAY)


def test_official_holidays_are_not_working_days(db):
    calendar = working_calendar()

    assert not calendar.is_working_day(NOWRUZ_1404)
    assert not calendar.is_working_day(SECOND_OF_FARVARDIN)
    assert calendar.is_working_day(FIFTH_OF_FARVARDIN)


def test_a_deadline_on_nowruz_moves_to_the_first_working_day(db):
    assert working_calendar().next_working_day(NOWRUZ_1404) == FIFTH_OF_FARVARDIN


def test_the_calendar_is_cached(db, django_assert_num_queries):
    working_calendar()

    with django_assert_num_queries(0):
        working_calendar()

    assert cache.get(CALENDAR_CACHE_KEY) is not None


def test_a_holiday_added_in_code_is_seen_at_once(db):
    assert working_calendar().is_working_day(ORDINARY_TUESDAY)

    Holiday.objects.create(date=ORDINARY_TUESDAY, name_fa="تعطیل اعلامی", name_en="Declared", kind="other")

    assert not working_calendar().is_working_day(ORDINARY_TUESDAY)


def test_a_holiday_added_by_an_admin_refreshes_the_calendar(admin_client):
    assert working_calendar().is_working_day(ORDINARY_TUESDAY)

    response = admin_client.post(
        reverse("admin:offices_holiday_add"),
        {
            "date": ORDINARY_TUESDAY.isoformat(),
            "name_fa": "تعطیل اعلامی",
            "name_en": "Declared holiday",
            "kind": "other",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Holiday.objects.filter(date=ORDINARY_TUESDAY).exists()
    assert not working_calendar().is_working_day(ORDINARY_TUESDAY)


def test_a_lunar_holiday_removed_by_an_admin_becomes_a_working_day_again(db):
    # Lunar dates are data an admin corrects; fixed solar holidays are law (test_holiday_coverage).
    holiday = Holiday.objects.filter(kind="lunar", date__year=2025).exclude(date__week_day=6).first()
    assert not working_calendar().is_working_day(holiday.date)

    holiday.delete()

    assert working_calendar().is_working_day(holiday.date)
