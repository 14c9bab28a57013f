"""Reference data loaded by the data migrations: provinces, cities and the holiday table."""

from __future__ import annotations

from collections import Counter
from datetime import date

import jdatetime

from tanzim.offices.models import City, Holiday, Province
from tanzim.offices.services import reference_data_load


def test_all_31_provinces_are_loaded(db):
    assert Province.objects.count() == 31
    assert Province.objects.filter(code="THR", name_en="Tehran").exists()


def test_every_province_has_exactly_one_capital_city(db):
    capitals = Counter(City.objects.filter(is_capital=True).values_list("province__code", flat=True))

    assert set(capitals) == set(Province.objects.values_list("code", flat=True))
    assert set(capitals.values()) == {1}


def test_cities_lie_inside_iran(db):
    for city in City.objects.all():
        city.full_clean()


def test_holidays_are_loaded_for_1404_and_1405(db):
    years = Counter(
        jdatetime.date.fromgregorian(date=d).year for d in Holiday.objects.values_list("date", flat=True)
    )

    assert years[1404] >= 20
    assert years[1405] >= 20


def test_nowruz_1404_is_21_march_2025(db):
    nowruz = Holiday.objects.get(date=date(2025, 3, 21))

    assert jdatetime.date.fromgregorian(date=nowruz.date) == jdatetime.date(1404, 1, 1)
    assert Holiday.objects.filter(date=jdatetime.date(1405, 1, 1).togregorian()).exists()


def test_the_fixed_solar_holidays_of_1404_are_there(db):
    for month, day in [
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
    ]:
        gregorian = jdatetime.date(1404, month, day).togregorian()
        assert Holiday.objects.filter(date=gregorian).exists(), f"1404/{month:02d}/{day:02d}"


def test_loading_the_reference_data_again_changes_nothing(db):
    before = (Province.objects.count(), City.objects.count(), Holiday.objects.count())

    counts = reference_data_load()

    assert counts["holidays"] == 0
    assert (Province.objects.count(), City.objects.count(), Holiday.objects.count()) == before


def test_reloading_keeps_an_administrators_edit_of_a_holiday(db):
    holiday = Holiday.objects.get(date=date(2025, 3, 21))
    holiday.name_en = "Nowruz (edited)"
    holiday.save()

    reference_data_load()

    assert Holiday.objects.get(date=date(2025, 3, 21)).name_en == "Nowruz (edited)"
