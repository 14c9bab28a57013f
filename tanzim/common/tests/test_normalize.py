"""Normalisation of Persian input: digits, Arabic letters, spaces and ZWNJ."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tanzim.common.normalize import (
    digits_only,
    normalize_digits,
    normalize_text,
    percent_sign,
    to_persian_digits,
)

ZWNJ = "\u200c"
# Text drawn mostly from the characters that normalisation touches.
INVISIBLE_AND_SPACES = [ZWNJ, "\u200b", "\u200d", "\ufeff", "\u200e", "\u200f", "\t", "\n", "\xa0", "\u2009"]
tricky_text = st.text(alphabet=st.sampled_from([*"abc ی ک ي ى ك ة ۰۱۹٠٩09", *INVISIBLE_AND_SPACES]))


def test_it_turns_persian_and_arabic_digits_into_ascii() -> None:
    assert normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_digits("abc 12") == "abc 12"


def test_it_replaces_arabic_yeh_and_kaf_with_persian_letters() -> None:
    assert normalize_text("علي") == "علی"
    assert normalize_text("مصطفى") == "مصطفی"
    assert normalize_text("كتاب") == "کتاب"


def test_it_keeps_teh_marbuta() -> None:
    assert normalize_text("محكمة") == "محکمة"


def test_it_strips_and_collapses_whitespace() -> None:
    assert normalize_text("  علی \t\n  رضایی  ") == "علی رضایی"
    assert normalize_text("a\xa0\xa0b") == "a b"


def test_it_removes_zero_width_characters_other_than_zwnj() -> None:
    assert normalize_text("\ufeff\u200eعلی\u200b\u200d\u200f") == "علی"


def test_it_keeps_zwnj_between_letters_and_collapses_repeats() -> None:
    assert normalize_text(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"
    assert normalize_text(f"می{ZWNJ}{ZWNJ}{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"


def test_it_drops_zwnj_next_to_spaces_and_at_the_ends() -> None:
    assert normalize_text(f"{ZWNJ}کتاب{ZWNJ} {ZWNJ}ها{ZWNJ}") == "کتاب ها"
    assert normalize_text(f"a {ZWNJ} b") == "a b"


def test_it_turns_none_into_an_empty_string() -> None:
    assert normalize_text(None) == ""


def test_it_normalises_digits_inside_text() -> None:
    assert normalize_text("پلاک ۱۲") == "پلاک 12"


def test_it_renders_persian_digits_from_ints_and_strings() -> None:
    assert to_persian_digits(1404) == "۱۴۰۴"
    assert to_persian_digits("1404/01/05") == "۱۴۰۴/۰۱/۰۵"
    assert to_persian_digits("٤") == "۴"


def test_it_keeps_only_digits_of_a_typed_code() -> None:
    assert digits_only("۰۴۹-۹۳۷ ۰۸۹۹") == "0499370899"
    assert digits_only(None) == ""


@given(tricky_text)
def test_normalize_text_is_idempotent(value: str) -> None:
    once = normalize_text(value)
    assert normalize_text(once) == once


@given(tricky_text)
def test_normalize_text_leaves_no_foreign_letters_or_edge_space(value: str) -> None:
    result = normalize_text(value)
    assert not set(result) & set("يىك٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹\u200b\u200d\ufeff\u200e\u200f")
    assert result == result.strip(" " + ZWNJ)
    assert "  " not in result
    assert f" {ZWNJ}" not in result
    assert f"{ZWNJ} " not in result
    assert ZWNJ * 2 not in result


@given(st.integers(min_value=0))
def test_persian_digits_round_trip_to_ascii(number: int) -> None:
    assert normalize_digits(to_persian_digits(number)) == str(number)


@given(st.text())
def test_digits_only_returns_only_ascii_digits(value: str) -> None:
    assert set(digits_only(value)) <= set("0123456789")


def test_the_percent_sign_follows_the_language():
    assert percent_sign("fa") == "٪" and percent_sign(None) == "٪"
    assert percent_sign("en") == "%" and percent_sign("en-gb") == "%"
