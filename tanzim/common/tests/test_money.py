"""Rial amounts: formatting and conversion, ints only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanzim.common.money import format_rials, rials_to_tomans
from tanzim.common.normalize import normalize_digits


def test_it_formats_rials_with_persian_digits_and_separator() -> None:
    assert format_rials(770_000) == "۷۷۰٬۰۰۰"


def test_it_formats_rials_with_ascii_digits_on_request() -> None:
    assert format_rials(770_000, persian_digits=False) == "770,000"
    assert format_rials(0, persian_digits=False) == "0"
    assert format_rials(1_000_000_000, persian_digits=False) == "1,000,000,000"
    assert format_rials(-70_000, persian_digits=False) == "-70,000"


def test_it_converts_rials_to_tomans_rounding_down() -> None:
    assert rials_to_tomans(770_000) == 77_000
    assert rials_to_tomans(15) == 1
    assert rials_to_tomans(-15) == -2


@pytest.mark.parametrize("amount", [770000.0, Decimal("770000"), "770000", True, None])
def test_it_refuses_anything_but_whole_rials(amount: object) -> None:
    with pytest.raises(TypeError):
        format_rials(amount)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rials_to_tomans(amount)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_formatted_amounts_read_back_as_the_same_number(amount: int) -> None:
    persian = format_rials(amount)
    assert int(normalize_digits(persian).replace("٬", "")) == amount
    assert int(format_rials(amount, persian_digits=False).replace(",", "")) == amount


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_tomans_times_ten_never_exceed_the_rials(amount: int) -> None:
    tomans = rials_to_tomans(amount)
    assert tomans * 10 <= amount < tomans * 10 + 10
