"""Foreign mobile numbers typed in odd ways: accepted when they can be read, otherwise a refusal
that says what is wrong (always the code ``invalid_phone``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tanzim.common.identifiers import parse_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+49 (0) 151 2345 6789", "+4915123456789"),  # the German trunk zero in brackets
        ("+49 0151 23456789", "+4915123456789"),
        ("0049-151-23456789", "+4915123456789"),
        ("+۴۹ ۱۵۱ ۲۳۴۵ ۶۷۸۹", "+4915123456789"),  # Persian digits
        ("tel:+4915123456789", "+4915123456789"),  # copied from a link
        ("+1 (416) 555-0199", "+14165550199"),
        ("+1 416.555.0199", "+14165550199"),
        ("+81 90-1234-5678", "+819012345678"),
    ],
)
def test_odd_foreign_formats_are_read(typed, e164):
    assert parse_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("4915123456789", "written with + and its country code"),
        ("015123456789", "written with + and its country code"),
        ("+1 416 555 0199 ext. 5", "without an extension"),
        ("+999 1234567", "No country has the code that starts +999"),
        ("+49 151 2345 6789 1234 5", "too long for a number of +49"),
        ("+49 151 2345", "not a valid number of +49"),
        ("02112345678", "e.g. 09121234567"),  # a Tehran landline: the Iranian message
    ],
)
def test_a_foreign_number_that_cannot_be_read_is_refused_clearly(typed, says):
    with translation.override("en"):
        with pytest.raises(ValidationError) as info:
            parse_phone(typed)
        assert info.value.code == "invalid_phone"
        assert says in info.value.messages[0]


def test_the_refusal_reads_in_persian():
    with translation.override("fa"):
        with pytest.raises(ValidationError) as info:
            parse_phone("4915123456789")
        assert "کد کشور" in info.value.messages[0]
