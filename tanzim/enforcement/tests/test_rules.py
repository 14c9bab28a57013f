"""The law's numbers are data; deadlines fall on the working calendar; fee and salary arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from tanzim.common.calendar import WorkingCalendar
from tanzim.enforcement.models import ExemptCategory, Rule
from tanzim.enforcement.rules import (
    DEFAULTS,
    deadline,
    exempt_categories,
    fee_amount,
    garnishable,
    rule,
    rules,
)
from tanzim.enforcement.services import distribute

pytestmark = pytest.mark.django_db


def test_every_rule_is_seeded_with_its_article():
    seeded = {r.key: r for r in Rule.objects.all()}
    assert set(seeded) == set(DEFAULTS)
    assert seeded["fee_rate_bp"].value == 500 and seeded["fee_rate_bp"].article == "CJEA 158"
    assert seeded["objection_days"].value == 3
    assert not seeded["auction_extension_minutes"].confirmed  # Tanzim's own rule, marked as such


def test_the_kanoon_can_change_a_rule_and_it_applies():
    Rule.objects.filter(key="fee_rate_bp").update(value=600)
    assert rule("fee_rate_bp") == 600
    assert fee_amount(base=1_000_000, settled=False) == (60_000, 600)


def test_a_missing_row_falls_back_to_the_default():
    Rule.objects.filter(key="objection_days").delete()
    assert rules()["objection_days"] == 3


def test_exempt_categories_are_data():
    assert set(exempt_categories()) == {
        "home",
        "furniture",
        "food",
        "trade_tools",
        "telephone",
        "rent_deposit",
    }
    ExemptCategory.objects.filter(code="telephone").update(active=False)
    assert "telephone" not in exempt_categories()


def test_the_fee_is_five_percent_and_halved_on_settlement():
    assert fee_amount(base=200_000_000, settled=False) == (10_000_000, 500)
    assert fee_amount(base=200_000_000, settled=True) == (5_000_000, 250)


@pytest.mark.parametrize(
    ("dependants", "pension", "expected"),
    [(True, False, 25_000_000), (False, False, 33_333_333), (False, True, 25_000_000)],
)
def test_the_salary_fraction(dependants, pension, expected):
    # 110 m salary of which 10 m are Relief Committee allowances: the fraction is of 100 m.
    got = garnishable(
        monthly=110_000_000, protected=10_000_000, has_dependants=dependants, is_pension=pension
    )
    assert got == expected


def test_protected_benefits_alone_cannot_be_garnished():
    assert garnishable(monthly=5_000_000, protected=5_000_000, has_dependants=False, is_pension=False) == 0


def test_a_deadline_skips_fridays_and_holidays():
    calendar = WorkingCalendar(holidays=[date(2026, 6, 5)], lunar_years=None)
    # Served Saturday 2026-05-23: the day of service does not count and the period is free, so
    # the debtor may still act on Wednesday 2026-06-03.
    assert deadline(date(2026, 5, 23), calendar=calendar, days=10) == date(2026, 6, 3)
    # 3 days from Monday 2026-06-01 → Friday 06-05, a holiday and the weekend → Saturday 06-06.
    assert deadline(date(2026, 6, 1), calendar=calendar, days=3) == date(2026, 6, 6)


def test_nowruz_moves_a_deadline():
    calendar = WorkingCalendar(lunar_years=None)
    # 10 days from 2027-03-11 end on 2027-03-22 (2 Farvardin 1406, Nowruz) → after the holidays.
    got = deadline(date(2027, 3, 11), calendar=calendar, days=10)
    assert got == date(2027, 3, 25)


def test_distribution_by_class_then_pro_rata():
    shares, surplus = distribute(amount=150, creditors=[(1, 1, 100), (2, 2, 60), (3, 2, 40)])
    assert shares == {1: 100, 2: 30, 3: 20} and surplus == 0
    shares, surplus = distribute(amount=100, creditors=[(1, 1, 1), (2, 1, 1), (3, 1, 1)])
    assert sum(shares.values()) == 3 and surplus == 97
    shares, _ = distribute(amount=10, creditors=[(1, 1, 10), (2, 1, 10), (3, 1, 10)])
    assert sum(shares.values()) == 10 and sorted(shares.values()) == [3, 3, 4]
