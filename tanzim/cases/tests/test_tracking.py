from hypothesis import given
from hypothesis import strategies as st

from tanzim.cases.tracking import clean_tracking_code, luhn_check_digit, new_tracking_code


def test_new_codes_are_sixteen_digits_and_valid():
    for _ in range(200):
        code = new_tracking_code()
        assert len(code) == 16 and code.isdigit()
        assert clean_tracking_code(code) == code


def test_it_accepts_grouped_codes_in_persian_digits():
    code = new_tracking_code()
    persian = "-".join(code[i : i + 4] for i in range(0, 16, 4)).translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    assert clean_tracking_code(persian) == code


@given(st.integers(min_value=10**14, max_value=10**15 - 1), st.integers(0, 15), st.integers(1, 9))
def test_changing_any_single_digit_is_caught(body, position, delta):
    code = str(body) + str(luhn_check_digit(str(body)))
    digit = (int(code[position]) + delta) % 10
    typo = code[:position] + str(digit) + code[position + 1 :]
    assert clean_tracking_code(typo) is None


def test_it_refuses_letters_and_wrong_lengths():
    assert clean_tracking_code("12345") is None
    assert clean_tracking_code("abcd" + new_tracking_code()[4:]) is None
