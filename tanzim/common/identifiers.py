"""Iranian identifiers: national code, legal-entity ID, mobile numbers.

Checks follow the published check-digit algorithms (see docs/DOMAIN.md, "Identifiers").
Input is forgiving about how a code is typed (any digit script, spaces, dashes) but not
about what it contains: letters or other symbols make it invalid rather than being dropped,
so a mistyped code is never silently turned into a different valid one.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.common.normalize import digits_only, normalize_digits

__all__ = [
    "clean_legal_entity_id",
    "clean_national_code",
    "is_iranian_mobile",
    "is_valid_legal_entity_id",
    "is_valid_national_code",
    "make_legal_entity_id",
    "make_national_code",
    "mask_national_code",
    "mask_phone",
    "national_code_check_digit",
    "parse_phone",
]

# Characters people use to group digits when typing a code; anything else is an error.
_CODE_ALLOWED = re.compile(r"[0-9\s\-\u2010-\u2015\u2212._/\u200b-\u200f\ufeff]*")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()/\u200b-\u200f\ufeff]")
_PHONE_SHAPE = re.compile(r"\+?[0-9]+")
_MAX_INPUT = 64  # no identifier is longer; bounds the work done on hostile input

_LEGAL_ENTITY_WEIGHTS = (29, 27, 23, 19, 17)
IRAN_COUNTRY_CODE = 98


def _code_digits(value: object) -> str | None:
    """ASCII digits of a typed code, or None when it holds anything but digits and separators."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    if not _CODE_ALLOWED.fullmatch(normalize_digits(value)):
        return None
    return digits_only(value)


def _all_equal(digits: str) -> bool:
    return len(set(digits)) == 1


def _require_digits(value: str, length: int) -> str:
    digits = digits_only(value)
    if len(digits) != length:
        raise ValueError(f"Expected {length} digits, got {value!r}.")
    return digits


# --- national code (کد ملی) -----------------------------------------------------------------


def national_code_check_digit(first9: str) -> int:
    """Check digit of a national code from its first nine digits (for generating test data)."""
    digits = _require_digits(first9, 9)
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11
    return remainder if remainder < 2 else 11 - remainder


def make_national_code(first9: str) -> str:
    """A checksum-correct national code; all-equal results are returned but do not validate."""
    digits = _require_digits(first9, 9)
    return f"{digits}{national_code_check_digit(digits)}"


def _normalise_national_code(value: object) -> str | None:
    digits = _code_digits(value)
    if digits is None or not 8 <= len(digits) <= 10:
        return None
    # Codes starting with zeros are often stored or typed without them.
    digits = digits.zfill(10)
    if _all_equal(digits) or int(digits[9]) != national_code_check_digit(digits[:9]):
        return None
    return digits


def is_valid_national_code(value: str) -> bool:
    """True for a well-formed, checksum-correct national code in any digit script."""
    return _normalise_national_code(value) is not None


def clean_national_code(value: str) -> str:
    """The canonical 10-digit ASCII national code, or ValidationError for a form field."""
    code = _normalise_national_code(value)
    if code is None:
        raise ValidationError(_("Enter a valid 10-digit national code."), code="invalid_national_code")
    return code


# --- legal-entity ID (شناسه ملی) ------------------------------------------------------------


def _legal_entity_check_digit(first10: str) -> int:
    k = int(first10[9]) + 2
    total = sum((int(d) + k) * _LEGAL_ENTITY_WEIGHTS[i % 5] for i, d in enumerate(first10))
    return total % 11 % 10  # a remainder of 10 counts as 0


def make_legal_entity_id(first10: str) -> str:
    """A checksum-correct 11-digit legal-entity ID from its first ten digits (test data)."""
    digits = _require_digits(first10, 10)
    return f"{digits}{_legal_entity_check_digit(digits)}"


def _normalise_legal_entity_id(value: object) -> str | None:
    digits = _code_digits(value)
    if digits is None or len(digits) != 11 or _all_equal(digits):
        return None
    if int(digits[10]) != _legal_entity_check_digit(digits[:10]):
        return None
    return digits


def is_valid_legal_entity_id(value: str) -> bool:
    """True for a well-formed, checksum-correct 11-digit legal-entity ID."""
    return _normalise_legal_entity_id(value) is not None


def clean_legal_entity_id(value: str) -> str:
    """The canonical 11-digit ASCII legal-entity ID, or ValidationError for a form field."""
    entity_id = _normalise_legal_entity_id(value)
    if entity_id is None:
        raise ValidationError(
            _("Enter a valid 11-digit legal entity national ID."), code="invalid_legal_entity_id"
        )
    return entity_id


# --- phone numbers --------------------------------------------------------------------------

_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _invalid_phone() -> ValidationError:
    return ValidationError(
        _("Enter a valid mobile number, e.g. 09121234567, or an international number starting with +."),
        code="invalid_phone",
    )


def _is_acceptable(number: phonenumbers.PhoneNumber) -> bool:
    """Valid, and a mobile if Iranian: Iranian numbers are for SMS, landlines cannot get one."""
    if not phonenumbers.is_valid_number(number):
        return False
    if number.country_code == IRAN_COUNTRY_CODE:
        return phonenumbers.number_type(number) in _MOBILE_TYPES
    return True


def parse_phone(value: str, *, default_region: str = "IR") -> str:
    """Parse a typed phone number into E.164 (``+989121234567``) for storage.

    Accepts Iranian mobiles as ``09…``, ``9…``, ``989…``, ``+989…``, ``00989…`` and any valid
    number written internationally (``+…`` or ``00…``), in any digit script. Other numbers
    are read in ``default_region``. Iranian landlines are refused in every form: the number
    is used to send SMS codes.
    """
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        raise _invalid_phone()
    text = _PHONE_SEPARATORS.sub("", normalize_digits(value))
    text = _TEL_PREFIX.sub("", text)  # a number copied from a link: tel:+49…
    if _EXTENSION.search(text):
        raise ValidationError(_("Write the mobile number without an extension."), code="invalid_phone")
    if not _PHONE_SHAPE.fullmatch(text):
        raise _invalid_phone()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("989") and len(text) == 12:
        text = "+" + text
    elif text.startswith("9") and len(text) == 10 and default_region.upper() == "IR":
        text = "0" + text
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise _phone_error(text) from exc
    if not _is_acceptable(number):
        raise _phone_error(text, number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_TEL_PREFIX = re.compile(r"^tel:", re.IGNORECASE)
_EXTENSION = re.compile(r"(?:ext|x|#)[0-9]*$", re.IGNORECASE)


def _phone_error(text: str, number: phonenumbers.PhoneNumber | None = None) -> ValidationError:
    """The clearest refusal for a number that does not parse: a person abroad is told what is
    wrong with the number of their country, not only that it is not an Iranian mobile. The code
    stays ``invalid_phone`` (callers and the API rely on one code); the message differs."""
    if (
        number is not None
        and number.country_code == IRAN_COUNTRY_CODE
        and phonenumbers.is_valid_number(number)
    ):
        return _invalid_phone()  # an Iranian landline: it cannot receive the code
    if not text.startswith("+"):
        if text.startswith(("09", "9")):
            return _invalid_phone()
        # A foreign number typed without its + (4915123456789), or in its country's own form
        # (015123456789): say how a number from abroad is written.
        return ValidationError(
            _(
                "A number from outside Iran is written with + and its country code "
                "(for example +49 151 23456789 for Germany, +1 416 555 0123 for Canada)."
            ),
            code="invalid_phone",
        )
    code = text[1:4]
    if number is None:
        return ValidationError(
            _("No country has the code that starts %(code)s: check the digits after +.")
            % {"code": "+" + code},
            code="invalid_phone",
        )
    if number.country_code == IRAN_COUNTRY_CODE:
        return _invalid_phone()
    reason = phonenumbers.is_possible_number_with_reason(number)
    country = f"+{number.country_code}"
    if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        return ValidationError(
            _("No country has the code that starts %(code)s: check the digits after +.") % {"code": country},
            code="invalid_phone",
        )
    if reason in (phonenumbers.ValidationResult.TOO_SHORT, phonenumbers.ValidationResult.INVALID_LENGTH):
        return ValidationError(
            _("This number is too short for a number of %(code)s: check that no digit is missing.")
            % {"code": country},
            code="invalid_phone",
        )
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        return ValidationError(
            _("This number is too long for a number of %(code)s: check for an extra digit.")
            % {"code": country},
            code="invalid_phone",
        )
    return ValidationError(
        _("This is not a valid number of %(code)s: check the digits after the country code.")
        % {"code": country},
        code="invalid_phone",
    )


def is_iranian_mobile(e164: str) -> bool:
    """True when an E.164 number is a valid Iranian mobile (can receive our SMS codes)."""
    if not isinstance(e164, str) or not e164.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(normalize_digits(e164), None)
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == IRAN_COUNTRY_CODE and _is_acceptable(number)


def mask_phone(e164: str | None) -> str:
    """Hide the middle of a phone number for logs and screens: ``+98912***4567``.

    Never raises, so it is safe in logging paths whatever the input.
    """
    text = digits_only(str(e164 or ""))
    plus = "+" if str(e164 or "").lstrip().startswith("+") else ""
    if len(text) >= 9:
        return f"{plus}{text[:5]}***{text[-4:]}"
    if len(text) > 2:
        return f"{plus}***{text[-2:]}"
    return "***"


def mask_national_code(code: str | None) -> str:
    """Hide the middle of a national code for logs and screens: ``001***1234``."""
    digits = digits_only(str(code or ""))
    if len(digits) >= 8:
        return f"{digits[:3]}***{digits[-4:]}"
    if len(digits) > 2:
        return f"***{digits[-2:]}"
    return "***"
