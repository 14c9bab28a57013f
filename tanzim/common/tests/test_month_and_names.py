"""The Jalali month type and the bilingual-name helper."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from tanzim.common.errors import DomainError
from tanzim.common.i18n import bilingual
from tanzim.common.jalali import JalaliMonth


@pytest.mark.parametrize("text", ["1405-03", "1405/3", "140503", "۱۴۰۵/۰۳", "١٤٠٥-٣"])
def test_a_month_is_read_in_any_digit_script_and_separator(text):
    assert JalaliMonth.parse(text) == JalaliMonth(1405, 3)


@pytest.mark.parametrize("text", ["", "1405-13", "140500", "khordad", None])
def test_a_month_that_is_not_one_is_a_field_error(text):
    with pytest.raises(DomainError) as caught:
        JalaliMonth.parse(text, field="from")
    assert caught.value.code == "invalid_period"
    assert "from" in caught.value.fields


def test_shifting_crosses_nowruz_both_ways():
    assert JalaliMonth(1404, 12).next() == JalaliMonth(1405, 1)
    assert JalaliMonth(1405, 1).previous() == JalaliMonth(1404, 12)
    assert JalaliMonth(1405, 3).shift(-15) == JalaliMonth(1403, 12)


def test_the_key_sorts_like_the_months_and_round_trips():
    months = [JalaliMonth(1405, 1), JalaliMonth(1404, 12), JalaliMonth(1404, 2)]
    assert sorted(months) == sorted(months, key=lambda m: m.key)
    assert JalaliMonth.from_key(140412) == JalaliMonth(1404, 12)


def test_a_late_evening_in_utc_is_already_the_next_month_in_tehran():
    # 1405/01/01 begins at 2026-03-20 20:30 UTC (Tehran is UTC+03:30 all year).
    assert JalaliMonth.of(datetime(2026, 3, 20, 20, 29, tzinfo=UTC)) == JalaliMonth(1404, 12)
    assert JalaliMonth.of(datetime(2026, 3, 20, 20, 31, tzinfo=UTC)) == JalaliMonth(1405, 1)


def test_the_month_has_gregorian_days_and_utc_bounds():
    assert JalaliMonth(1405, 1).date_range() == (date(2026, 3, 21), date(2026, 4, 21))
    start, end = JalaliMonth(1405, 1).bounds_utc()
    assert start == datetime(2026, 3, 20, 20, 30, tzinfo=UTC)
    assert end == datetime(2026, 4, 20, 20, 30, tzinfo=UTC)


def test_labels_follow_the_language_with_its_digits():
    assert JalaliMonth(1405, 3).label("fa") == "خرداد ۱۴۰۵"
    assert JalaliMonth(1405, 3).label("en") == "Khordad 1405"


def test_names_follow_the_active_language_and_fall_back_to_persian():
    office = SimpleNamespace(name_fa="دفتر یک", name_en="Office One")
    untranslated = SimpleNamespace(name_fa="دفتر دو", name_en="")
    with translation.override("en"):
        assert bilingual(office) == "Office One"
        assert bilingual(untranslated) == "دفتر دو"
    with translation.override("fa"):
        assert bilingual(office) == "دفتر یک"
    assert bilingual(office, language="en") == "Office One"
