"""Money explained (issue 15, 7): the amount in words, tomans beside rials."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from tanzim.common.money_words import explain, number_in_words, tomans


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "صفر"),
        (7, "هفت"),
        (13, "سیزده"),
        (40, "چهل"),
        (105, "صد و پنج"),
        (999, "نهصد و نود و نه"),
        (1000, "هزار"),
        (1001, "هزار و یک"),
        (21_000, "بیست و یک هزار"),
        (385_000, "سیصد و هشتاد و پنج هزار"),
        (1_250_000, "یک میلیون و دویست و پنجاه هزار"),
        (1_000_000_000, "یک میلیارد"),
        (2_000_300_004, "دو میلیارد و سیصد هزار و چهار"),
    ],
)
def test_persian_words(n, words):
    assert number_in_words(n, "fa") == words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (15, "fifteen"),
        (385_000, "three hundred eighty-five thousand"),
        (1_250_000, "one million two hundred fifty thousand"),
    ],
)
def test_english_words(n, words):
    assert number_in_words(n, "en") == words


def test_tomans_are_a_tenth_with_separators_in_the_pages_digits():
    assert tomans(3_850_000, "fa") == "۳۸۵٬۰۰۰"
    assert tomans(3_850_000, "en") == "385,000"
    assert tomans(15, "en") == "1.5"


def test_explain_refuses_what_is_not_whole_rials():
    with pytest.raises(TypeError):
        explain(12.5)  # type: ignore[arg-type,unused-ignore]
    with pytest.raises(TypeError):
        explain(True)


def test_the_amount_tag_shows_rials_tomans_and_words():
    with translation.override("fa"):
        html = Template("{% load money %}{% amount 1250000 %}").render(Context())
    assert "۱٬۲۵۰٬۰۰۰" in html and "۱۲۵٬۰۰۰" in html and "تومان" in html
    assert "یک میلیون و دویست و پنجاه هزار ریال" in html
    with translation.override("en"):
        html = Template("{% load money %}{% amount 1250000 words=False %}").render(Context())
    assert "1,250,000" in html and "125,000 tomans" in html and "money-words" not in html
