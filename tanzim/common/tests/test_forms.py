"""The shared form fields: what a person types becomes one canonical value, or one clear error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tanzim.common.forms import MobileField


def test_an_optional_mobile_left_empty_is_no_number_and_no_error():
    assert MobileField(required=False).clean("") == ""
    assert MobileField(required=False).clean("   ") == ""


def test_a_mobile_typed_in_persian_digits_becomes_one_international_form():
    assert MobileField(required=False).clean("۰۹۱۲۱۲۳۴۵۶۷") == "+989121234567"


def test_a_required_mobile_left_empty_and_a_wrong_one_are_refused():
    with pytest.raises(ValidationError):
        MobileField().clean("")
    with pytest.raises(ValidationError):
        MobileField(required=False).clean("12")
