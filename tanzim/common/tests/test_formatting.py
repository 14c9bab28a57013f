"""The one formatting layer (tanzim.common.formatting) and the template tags built on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from tanzim.common import formatting


@pytest.fixture
def fa():
    with translation.override("fa"):
        yield


@pytest.fixture
def en():
    with translation.override("en"):
        yield


def test_numbers_in_persian_use_persian_digits_and_separators(fa):
    assert formatting.number(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert formatting.number(2.5) == "۲٫۵"
    assert formatting.number(Decimal("3.14159"), 2) == "۳٫۱۴"
    assert formatting.number("۱۲۰۰") == "۱٬۲۰۰"  # any digit script in
    assert formatting.number(None) == ""


def test_numbers_in_english_use_latin_digits(en):
    assert formatting.number(1234567) == "1,234,567"
    assert formatting.number(2.5) == "2.5"
    assert formatting.number(Decimal("2.345"), 2) == "2.35"  # half up


def test_percent_sign_follows_the_language():
    assert formatting.percent(50, language="fa") == "۵۰٪"
    assert formatting.percent(12.5, 1, language="fa") == "۱۲٫۵٪"
    assert formatting.percent(50, language="en") == "50%"


def test_money_is_whole_rials():
    assert formatting.money(770000, language="fa") == "۷۷۰٬۰۰۰"
    assert formatting.money(770000, language="en") == "770,000"
    with pytest.raises(TypeError):
        formatting.money(1.5, language="fa")


def test_dates_stay_jalali_with_month_names_in_the_page_language():
    day = date(2026, 12, 3)  # 12 Azar 1405
    assert formatting.jalali_date(day, "long", language="fa") == "۱۲ آذر ۱۴۰۵"
    assert formatting.jalali_date(day, "long", language="en") == "12 Azar 1405"
    assert formatting.jalali_date(day, language="fa") == "۱۴۰۵/۰۹/۱۲"
    assert formatting.jalali_date(day, language="en") == "1405/09/12"


def test_the_week_starts_on_saturday():
    days = formatting.week_days(language="fa")
    assert [name for _n, name in days][:2] == ["شنبه", "یکشنبه"]
    assert days[-1][1] == "جمعه"
    assert formatting.week_days(language="en")[0] == (5, "Saturday")


def test_a_code_is_isolated_left_to_right_unwrapped_with_a_copy_button_copying_ascii(fa):
    html = formatting.code_html("5008-7182-3488-4029")
    assert '<bdi dir="ltr" class="code" data-code="5008-7182-3488-4029">۵۰۰۸-۷۱۸۲-۳۴۸۸-۴۰۲۹</bdi>' in html
    assert 'data-copy="5008-7182-3488-4029"' in html and " hidden>" in html
    assert "code-copy" not in formatting.code_html("5008", copy=False)


def test_a_code_with_letters_keeps_latin_digits(fa):
    assert ">TZP-4F0A12</bdi>" in formatting.code_html("TZP-4F0A12")
    assert ">C123456789</bdi>" in formatting.code_html("C123456789")


def test_a_flash_message_gets_page_digits_isolated_codes_and_untouched_addresses(fa):
    html = formatting.local_text(
        "Tracking code: 5008-7182-3488-4029. Open http://example.test:8000/cases/12/ — 4 items, 50%"
    )
    assert '<bdi dir="ltr" class="code" data-code="5008-7182-3488-4029">۵۰۰۸-۷۱۸۲-۳۴۸۸-۴۰۲۹</bdi>' in html
    assert '<bdi dir="ltr" class="url">http://example.test:8000/cases/12/</bdi>' in html
    assert "۴ items, ۵۰٪" in html
    assert "<script>" not in formatting.local_text("<script>1</script>")


def test_the_same_code_reads_the_same_in_a_message_and_in_the_tag(fa):
    tag = Template("{% load tanzim %}{% code c copy=False %}").render(Context({"c": "5008-7182-3488-4029"}))
    message = formatting.local_text("Tracking code: 5008-7182-3488-4029")
    assert tag in message


def test_template_filters_use_the_layer(fa):
    out = Template(
        "{% load tanzim %}{{ n|number }}|{{ r|number:1 }}|{{ p|percent }}|{{ m|rials }}|{{ d|jalali:'long' }}"
    ).render(Context({"n": 1500, "r": 2.25, "p": 50, "m": 1000, "d": date(2026, 12, 3)}))
    assert out == "۱٬۵۰۰|۲٫۳|۵۰٪|۱٬۰۰۰|۱۲ آذر ۱۴۰۵"


def test_english_pages_do_not_show_persian_month_names(en):
    out = Template("{% load tanzim %}{{ d|jalali:'long' }}").render(Context({"d": date(2026, 12, 3)}))
    assert out == "12 Azar 1405"


def test_free_text_keeps_the_digits_a_person_typed_and_their_lines():
    from tanzim.common.normalize import normalize_free_text, normalize_text

    typed = "  مبلغ ۱۲۰ میليون  ريال\r\nقسط اول 5 مهر\u200b "
    assert normalize_free_text(typed) == "مبلغ ۱۲۰ میلیون ریال\nقسط اول 5 مهر"
    assert normalize_free_text(None) == ""
    # identifiers and search keys still fold every digit script to ASCII
    assert normalize_text("۰۹۱۲") == "0912"


def test_digits_of_a_rate_use_the_persian_decimal_separator_and_of_an_int_no_grouping(fa):
    out = Template("{% load tanzim %}{{ r|digits }}|{{ y|digits }}").render(Context({"r": 2.5, "y": 1405}))
    assert out == "۲٫۵|۱۴۰۵"
