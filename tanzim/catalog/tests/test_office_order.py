"""Choosing an office (issue 15, 8): nearest first when a location is known, Persian alphabet
order otherwise (not Tabriz first), search by city."""

from __future__ import annotations

import pytest
from django.utils import translation

from tanzim.catalog.selectors import (
    distance_km,
    offices_for_service,
    offices_in_order,
    persian_sort_key,
)
from tanzim.offices.models import City
from tanzim.testing.factories import OfficeFactory


def test_persian_letters_sort_in_alphabet_order():
    words = ["گلستان", "کرمان", "ژاله", "چالوس", "تهران", "پارس", "آمل", "یزد", "بوشهر"]
    assert sorted(words, key=persian_sort_key) == [
        "آمل",
        "بوشهر",
        "پارس",
        "تهران",
        "چالوس",
        "ژاله",
        "کرمان",
        "گلستان",
        "یزد",
    ]
    assert persian_sort_key("كرمان") == persian_sort_key("کرمان")  # Arabic kaf is the same letter


def test_distance_between_tehran_and_tabriz():
    assert 520 < distance_km(35.6892, 51.389, 38.08, 46.2919) < 540


@pytest.fixture
def three_cities(db):
    tabriz = OfficeFactory(city=City.objects.get(code="EAZ-01"), name_fa="دفتر تبریز")
    tehran = OfficeFactory(city=City.objects.get(code="THR-01"), name_fa="دفتر تهران")
    shiraz = OfficeFactory(city=City.objects.get(code="FAR-01"), name_fa="دفتر شیراز")
    return tabriz, tehran, shiraz


def test_nearest_first_when_a_location_is_known(three_cities):
    tabriz, tehran, shiraz = three_cities
    ordered = offices_in_order(offices_for_service(), latitude=29.6, longitude=52.5)  # near Shiraz
    mine = [o for o in ordered if o in three_cities]
    assert mine == [shiraz, tehran, tabriz]
    assert mine[0].distance_km < 15
    assert [o.distance_km for o in ordered] == sorted(o.distance_km for o in ordered)


def test_without_a_location_the_order_is_by_city_in_persian_alphabet(three_cities):
    with translation.override("fa"):
        ordered = offices_in_order(offices_for_service())
    keys = [persian_sort_key(o.city.name_fa) for o in ordered]
    assert keys == sorted(keys)
    assert all(o.distance_km is None for o in ordered)


def test_search_finds_offices_by_city_name(three_cities):
    tabriz, tehran, shiraz = three_cities
    found = set(offices_for_service(q="شیراز"))
    assert shiraz in found and tabriz not in found and tehran not in found
    assert shiraz in set(offices_for_service(q="Shiraz"))
