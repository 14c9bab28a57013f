"""National codes, legal-entity IDs and phone numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from tanzim.common.identifiers import (
    clean_legal_entity_id,
    clean_national_code,
    is_iranian_mobile,
    is_valid_legal_entity_id,
    is_valid_national_code,
    make_legal_entity_id,
    make_national_code,
    mask_national_code,
    mask_phone,
    national_code_check_digit,
    parse_phone,
)
from tanzim.common.normalize import to_persian_digits

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
ten_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)
eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def reference_national_code_ok(code: str) -> bool:
    """DOMAIN.md's rule written out plainly, to check the implementation against."""
    d = [int(c) for c in code]
    r = sum(d[i] * (10 - i) for i in range(9)) % 11
    return len(set(code)) > 1 and ((r < 2 and d[9] == r) or (r >= 2 and d[9] == 11 - r))


def reference_legal_entity_ok(code: str) -> bool:
    d = [int(c) for c in code]
    k = d[9] + 2
    w = [29, 27, 23, 19, 17]
    r = sum((d[i] + k) * w[i % 5] for i in range(10)) % 11
    return len(set(code)) > 1 and (0 if r == 10 else r) == d[10]


# --- national code ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0499370899", "0790419904"])
def test_it_accepts_known_valid_national_codes(code: str) -> None:
    # 0499370899: 0·10+4·9+9·8+9·7+3·6+7·5+0·4+8·3+9·2 = 266, 266 mod 11 = 2, 11-2 = 9.
    # 0790419904: 0+63+72+0+24+5+36+27+0 = 227, 227 mod 11 = 7, 11-7 = 4.
    assert is_valid_national_code(code)
    assert clean_national_code(code) == code


def test_it_computes_the_check_digit_of_known_codes() -> None:
    assert national_code_check_digit("049937089") == 9
    assert national_code_check_digit("079041990") == 4
    assert make_national_code("049937089") == "0499370899"


@pytest.mark.parametrize("digit", "0123456789")
def test_it_rejects_all_equal_codes(digit: str) -> None:
    code = digit * 10
    assert reference_national_code_ok(code) is False
    assert not is_valid_national_code(code)


def test_it_left_pads_codes_that_lost_their_leading_zeros() -> None:
    assert clean_national_code("499370899") == "0499370899"
    code = make_national_code("001234567")
    assert clean_national_code(code[2:]) == code


@pytest.mark.parametrize("value", ["", "1234567", "04993708990", "049937089912", "abc"])
def test_it_rejects_wrong_lengths_and_non_codes(value: str) -> None:
    assert not is_valid_national_code(value)


def test_it_rejects_letters_mixed_into_a_code() -> None:
    assert not is_valid_national_code("0499a370899")
    assert not is_valid_national_code("کد 0499370899")


def test_it_accepts_codes_typed_with_separators_and_other_scripts() -> None:
    assert clean_national_code(" 049-937089-9 ") == "0499370899"
    assert clean_national_code(to_persian_digits("0499370899")) == "0499370899"
    assert clean_national_code("0499370899".translate(ARABIC)) == "0499370899"


def test_it_rejects_non_strings_without_crashing() -> None:
    assert not is_valid_national_code(None)  # type: ignore[arg-type]
    assert not is_valid_national_code(499370899)  # type: ignore[arg-type]


def test_clean_national_code_raises_a_coded_validation_error() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_national_code("0499370898")
    assert info.value.code == "invalid_national_code"
    with translation.override("en"):
        assert "national code" in str(info.value.messages[0])
    with translation.override("fa"):
        assert "کد ملی" in str(info.value.messages[0])


def test_the_generators_refuse_wrong_lengths() -> None:
    with pytest.raises(ValueError):
        make_national_code("12345678")
    with pytest.raises(ValueError):
        make_legal_entity_id("123456789")


@given(nine_digits)
def test_every_generated_code_validates_unless_all_equal(first9: str) -> None:
    code = make_national_code(first9)
    assert len(code) == 10
    assert is_valid_national_code(code) == (len(set(code)) > 1)


def remainder(code: str) -> int:
    return sum(int(code[i]) * (10 - i) for i in range(9)) % 11


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_invalidates_a_code(first9: str, position: int, shift: int) -> None:
    code = make_national_code(first9)
    assume(len(set(code)) > 1)
    changed = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    if is_valid_national_code(changed):
        # The algorithm's one blind spot: check digit 1 stands for remainder 1 and for 10.
        assert code[9] == changed[9] == "1"
        assert {remainder(code), remainder(changed)} == {1, 10}


def test_the_checksum_cannot_see_a_change_between_remainders_one_and_ten() -> None:
    code = make_national_code("113717983")
    assert code == "1137179831"
    assert remainder(code) == 1
    assert is_valid_national_code(code)
    assert remainder("1107179831") == 10  # third digit changed
    assert is_valid_national_code("1107179831")


@given(nine_digits)
def test_persian_and_arabic_variants_validate_to_the_same_ascii_code(first9: str) -> None:
    code = make_national_code(first9)
    assume(len(set(code)) > 1)
    assert clean_national_code(to_persian_digits(code)) == code
    assert clean_national_code(code.translate(ARABIC)) == code


@given(ten_digits)
def test_national_code_check_agrees_with_the_documented_rule(code: str) -> None:
    assert is_valid_national_code(code) == reference_national_code_ok(code)


# --- legal-entity ID -------------------------------------------------------------------


def test_it_accepts_a_hand_checked_legal_entity_id() -> None:
    # 1486012345|4: k = 5+2 = 7; Σ (d+7)·w = 2358; 2358 mod 11 = 4.
    assert make_legal_entity_id("1486012345") == "14860123454"
    assert clean_legal_entity_id("۱۴۸۶۰۱۲۳۴۵۴") == "14860123454"
    assert not is_valid_legal_entity_id("14860123455")


def test_it_rejects_all_equal_legal_entity_ids() -> None:
    for digit in "0123456789":
        assert not is_valid_legal_entity_id(digit * 11)


def test_it_rejects_legal_entity_ids_of_the_wrong_length() -> None:
    assert not is_valid_legal_entity_id("1486012345")
    assert not is_valid_legal_entity_id("148601234540")


def test_clean_legal_entity_id_raises_a_coded_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        clean_legal_entity_id("14860123455")
    assert info.value.code == "invalid_legal_entity_id"


@given(ten_digits)
def test_every_generated_legal_entity_id_validates_unless_all_equal(first10: str) -> None:
    entity_id = make_legal_entity_id(first10)
    assert is_valid_legal_entity_id(entity_id) == (len(set(entity_id)) > 1)


@given(eleven_digits)
def test_legal_entity_check_agrees_with_the_documented_rule(entity_id: str) -> None:
    assert is_valid_legal_entity_id(entity_id) == reference_legal_entity_ok(entity_id)


# --- phones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "0912 123 4567",
        "0912-123-4567",
        "+98 (912) 123 4567",
    ],
)
def test_it_reads_iranian_mobiles_in_every_usual_form(typed: str) -> None:
    assert parse_phone(typed) == "+989121234567"


def test_it_accepts_valid_foreign_numbers_for_residents_abroad() -> None:
    assert parse_phone("+14155552671") == "+14155552671"
    assert parse_phone("0014155552671") == "+14155552671"
    assert parse_phone("+44 7911 123456") == "+447911123456"


def test_it_reads_national_numbers_in_another_default_region() -> None:
    assert parse_phone("(415) 555-2671", default_region="US") == "+14155552671"


@pytest.mark.parametrize(
    "typed",
    [
        "0912",
        "02112345678",  # Tehran landline
        "+982112345678",  # the same landline written internationally
        "",
        "+",
        "phone",
        "0912123456a",
        "+1 800 FLOWERS",
        "+1415555267",  # one digit short
        "4155552671",  # a US number without country code is not Iranian
        "0" * 100,
    ],
)
def test_it_rejects_short_landline_and_malformed_numbers(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_phone(typed)
    assert info.value.code == "invalid_phone"


def test_it_rejects_non_strings_as_invalid_phones() -> None:
    with pytest.raises(ValidationError):
        parse_phone(None)  # type: ignore[arg-type]


def test_it_tells_iranian_mobiles_from_other_numbers() -> None:
    assert is_iranian_mobile("+989121234567")
    assert not is_iranian_mobile("+14155552671")
    assert not is_iranian_mobile("+982112345678")
    assert not is_iranian_mobile("09121234567")
    assert not is_iranian_mobile("garbage")


def test_it_masks_phones_and_national_codes_for_logs() -> None:
    assert mask_phone("+989121234567") == "+98912***4567"
    assert mask_phone("+14155552671") == "+14155***2671"
    assert mask_phone("") == "***"
    assert mask_phone(None) == "***"
    assert mask_national_code("0012341234") == "001***1234"
    assert mask_national_code("") == "***"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda rest: "+989" + rest))
def test_parsed_phones_are_stable_e164(candidate: str) -> None:
    try:
        e164 = parse_phone(candidate)
    except ValidationError:
        return
    assert e164 == candidate
    assert parse_phone(e164) == e164
    assert parse_phone(to_persian_digits(e164)) == e164
    assert is_iranian_mobile(e164)


@given(st.text(max_size=80))
def test_parse_phone_only_ever_raises_validation_error(value: str) -> None:
    try:
        result = parse_phone(value)
    except ValidationError as exc:
        assert exc.code == "invalid_phone"
    else:
        assert result.startswith("+")
        assert result[1:].isdigit()


@given(st.one_of(st.none(), st.text(max_size=40)))
def test_masking_never_raises_and_never_shows_the_whole_value(value: str | None) -> None:
    masked = mask_phone(value)
    assert "***" in masked
    masked_code = mask_national_code(value)
    assert "***" in masked_code
